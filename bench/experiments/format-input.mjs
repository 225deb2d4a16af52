// What the formatter claims in the bench: corpus-derived alerts (bench/lib/alerts.mjs)
// enriched and analysed by the real enricher and analyzer code, routed to one email
// receiver (the out-of-the-box configuration) or to several, and the real format handler.
import { join } from 'node:path';
import { repoRoot } from '../../scripts/toolchain.mjs';
import { createAlertSource } from '../lib/alerts.mjs';

const app = (path) => import(join(repoRoot, path));
const { validateAlert } = await app('packages/wazuh/src/index.ts');
const { enrichFromAlert } = await app('apps/enricher/src/from-alert.ts');
const { analyzeAlert } = await app('apps/analyzer/src/index.ts');
const { createFormatHandler } = await app('apps/formatter/src/handler.ts');
const { receiversFromConfig } = await app('apps/formatter/src/receivers.ts');
const { newId } = await app('packages/db/src/index.ts');

// Destinations are never called: the formatter only renders for them.
const RECEIVERS = [
  { name: 'ops-email', email: { from: 'herald@localhost', to: ['soc@localhost'] } },
  { name: 'soc-chat', slack: { webhook_url: 'http://127.0.0.1:9/slack' } },
  { name: 'siem-hook', webhook: { url: 'http://127.0.0.1:9/hook', secret: 'x'.repeat(16) } },
];

/** The first `count` receivers of: email, Slack, webhook. */
export function receiverConfigs(count = 1) {
  return RECEIVERS.slice(0, count);
}

/**
 * `count` alerts as the formatter claims them (body, enrichment and analysis stored),
 * each routed to every receiver of `receivers`.
 */
export function claimedAlerts(count, receivers = receiverConfigs()) {
  const source = createAlertSource(`fp${Date.now()}`);
  const claimed = [];
  for (let seq = 0; seq < count; seq += 1) {
    const checked = validateAlert(JSON.parse(source.render(seq)));
    if (!checked.ok) throw new Error(`alert ${seq} is invalid`);
    const enrichment = enrichFromAlert(checked.alert);
    const analysis = {
      ...analyzeAlert(checked.alert, enrichment),
      receivers: receivers.map((r) => r.name),
    };
    claimed.push({
      id: newId(),
      claimedFrom: 'analyzed',
      attempt: 1,
      retries: 0,
      lastError: null,
      body: checked.alert,
      enrichment,
      analysis,
    });
  }
  return claimed;
}

/** The format handler for `receivers`. */
export function createFormatHandlerFor(receivers = receiverConfigs()) {
  const directory = receiversFromConfig(receivers, { mailFrom: 'herald@localhost' });
  return createFormatHandler({ receivers: directory, publicUrl: 'https://herald.example.com' });
}

/** `items` in slices of `size`. */
export function batchesOf(items, size) {
  const batches = [];
  for (let start = 0; start < items.length; start += size) {
    batches.push(items.slice(start, start + size));
  }
  return batches;
}
