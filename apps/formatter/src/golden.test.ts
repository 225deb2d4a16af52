import { RenderedMessageSchema } from '@herald/contracts';
import { describe, expect, test } from 'vitest';
import { CHANNELS, renderFor } from './channels.test-support.ts';
import {
  corpusAlerts,
  digestAnalysis,
  fixedAlertId,
  minimalEnrichment,
  plausibleAnalysis,
} from './test-fixtures.ts';

const PUBLIC_URL = 'https://herald.example.com';

// One golden file per corpus alert and channel: what Herald would send, byte for byte
// (ids and times fixed). A change to any renderer or default template shows up here.
describe('golden messages over the corpus', () => {
  const alerts = corpusAlerts();

  test('the corpus has its 25 alerts', () => {
    expect(alerts).toHaveLength(25);
  });

  for (const channel of CHANNELS) {
    test.each(alerts)(`${channel}: corpus line $line`, async ({ line, alert }) => {
      const rendered = renderFor(channel, {
        alertId: fixedAlertId(line),
        alert,
        enrichment: minimalEnrichment(alert),
        analysis: plausibleAnalysis(alert),
        publicUrl: PUBLIC_URL,
      });
      expect(RenderedMessageSchema.parse(rendered)).toEqual(rendered);
      const name = `line-${String(line).padStart(2, '0')}.json`;
      await expect(`${JSON.stringify(rendered, null, 2)}\n`).toMatchFileSnapshot(
        `__golden__/${channel}/${name}`,
      );
    });
  }

  test.each(CHANNELS)('%s: a digest of 42 alerts says so', async (channel) => {
    const { line, alert } = alerts[0]!;
    const rendered = renderFor(channel, {
      alertId: fixedAlertId(line),
      alert,
      enrichment: minimalEnrichment(alert),
      analysis: digestAnalysis(alert, 42),
      publicUrl: PUBLIC_URL,
    });
    expect(JSON.stringify(rendered)).toContain(
      '42 alerts like this one between 2024-03-01 09:00:00 UTC and 2024-03-01 10:00:00 UTC',
    );
    await expect(`${JSON.stringify(rendered, null, 2)}\n`).toMatchFileSnapshot(
      `__golden__/${channel}/digest.json`,
    );
  });
});
