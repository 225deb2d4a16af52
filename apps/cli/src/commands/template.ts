import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeAlert } from '@herald/analyzer/src/analysis/index.ts';
import { isConfigFileError } from '@herald/config';
import type { Enrichment, RenderedMessage } from '@herald/contracts';
import { enrichFromAlert } from '@herald/enricher/src/from-alert.ts';
import { applyInventory } from '@herald/enricher/src/inventory.ts';
import { isTemplateError, receiversFromConfig, renderMessage } from '@herald/formatter';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { loadConfigAsServicesWould } from './config-load.ts';
import { isAlertFileError, readAlertFile } from './route-alerts-file.ts';

const USAGE = `usage: herald template preview <receiver> <alert.json> [--config FILE] [--out FILE]

  Renders the alert (or each alert of the file: one alert, a JSON array, or NDJSON as in
  alerts.json) for the receiver, with the receiver's templates and Herald's defaults for
  the parts it does not override, and writes what the sender would send: the email
  (from, to, subject, headers, text and HTML) or the JSON body posted to Slack, Teams, the
  webhook or PagerDuty. The sender adds only what it alone knows: the Slack channel for
  chat.postMessage, the PagerDuty routing key, the webhook signature headers.

  The enrichment is what the alert says plus the inventory (no Wazuh API lookup) and the
  explanation is Herald's rules', as the analyzer writes it without a language model.
  Links use HERALD_PUBLIC_URL when it is set. --out writes to FILE instead of stdout.

The configuration is FILE, else HERALD_CONFIG, else the one built from the environment.`;

/** The alert id previews carry, so links and keys show where a real id would go. */
export const PREVIEW_ALERT_ID = '00000000-0000-0000-0000-000000000000';

function options(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, out: { type: 'string' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** What the sender would send: the email as stored, or the JSON body as posted. */
function asSent(message: RenderedMessage): unknown {
  return message.channel === 'email' ? message : message.payload;
}

async function preview(
  receiverName: string,
  alertPath: string,
  flags: { config?: string | undefined; out?: string | undefined },
  io: CliIo,
): Promise<number> {
  const loaded = await loadConfigAsServicesWould(flags.config, io);
  const known = loaded.config.receivers.map((receiver) => receiver.name);
  const config = loaded.config.receivers.find((receiver) => receiver.name === receiverName);
  if (!config) {
    io.stderr(
      `herald template: no receiver named '${receiverName}' in ${loaded.file ?? 'the environment configuration'} (receivers: ${known.join(', ')})\n`,
    );
    return 1;
  }
  const mailFrom = io.env.HERALD_MAIL_FROM?.trim() || 'Herald <herald@localhost>';
  const receiver = receiversFromConfig([config], { mailFrom }).get(receiverName)!;
  const alerts = await readAlertFile(
    isAbsolute(alertPath) ? alertPath : resolve(io.cwd, alertPath),
    alertPath,
  );
  const publicUrl = io.env.HERALD_PUBLIC_URL?.trim() || undefined;

  const rendered = alerts.map(({ alert }) => {
    let enrichment: Enrichment = enrichFromAlert(alert);
    if (loaded.inventory) enrichment = applyInventory(enrichment, loaded.inventory);
    const analysis = { ...analyzeAlert(alert, enrichment), receivers: [receiverName] };
    return asSent(
      renderMessage(receiver, {
        alertId: PREVIEW_ALERT_ID,
        alert,
        enrichment,
        analysis,
        publicUrl,
      }),
    );
  });
  const text = `${JSON.stringify(rendered.length === 1 ? rendered[0] : rendered, null, 2)}\n`;
  if (flags.out === undefined) {
    io.stdout(text);
  } else {
    const out = isAbsolute(flags.out) ? flags.out : resolve(io.cwd, flags.out);
    await writeFile(out, text);
    io.stderr(
      `herald template: ${rendered.length} ${receiver.channel} message(s) for '${receiverName}' written to ${out}\n`,
    );
  }
  return 0;
}

/** `herald template preview`: what a receiver would be sent for an alert, templates applied. */
export const templateCommand: Command = {
  name: 'template',
  summary: 'preview what a receiver would be sent for an alert, with its templates',
  usage: USAGE,
  async run(args, io) {
    const { positionals, values } = options(args);
    const [action, receiverName, alertPath, ...extra] = positionals;
    if (action !== 'preview')
      throw new UsageError(
        action === undefined ? 'name an action: preview' : `unknown action '${action}'`,
      );
    if (receiverName === undefined || alertPath === undefined)
      throw new UsageError('name a receiver and an alert file');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    try {
      return await preview(receiverName, alertPath, values, io);
    } catch (err) {
      if (
        isConfigFileError(err) ||
        isAlertFileError(err) ||
        isTemplateError(err) ||
        err instanceof RangeError
      ) {
        io.stderr(`herald template: ${(err as Error).message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
