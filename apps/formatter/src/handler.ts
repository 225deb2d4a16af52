import { AnalysisSchema, EnrichmentSchema, type RenderedMessage } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { StageHandler } from '@herald/stage';
import { validateAlert } from '@herald/wazuh';
import type pg from 'pg';
import { buildMessageView, type MessageInput, type MessageView } from './message/view.ts';
import { insertPendingDeliveries } from './pending-deliveries.ts';
import type { ReceiverDirectory } from './receivers.ts';
import { renderMessage } from './render.ts';
import { isTemplateError } from './templates/errors.ts';

interface PendingDelivery {
  receiver: string;
  channel: string;
  rendered: RenderedMessage;
}

/**
 * A done result that carries its rendered messages to persist(). The worker hands
 * persist() the very result objects process() returned, so nothing is kept between the
 * two calls and batches cannot mix up each other's messages.
 */
type FormattedResult = Extract<AttemptResult, { kind: 'done' }> & { deliveries: PendingDelivery[] };

function deliveriesOf(result: Extract<AttemptResult, { kind: 'done' }>): PendingDelivery[] {
  return 'deliveries' in result && Array.isArray(result.deliveries)
    ? (result.deliveries as PendingDelivery[])
    : [];
}

/** A failure that the same alert and configuration would repeat: no retry helps. */
function isPermanent(err: unknown): boolean {
  return isTemplateError(err) || err instanceof RangeError;
}

function formatAlert(claimed: ClaimedAlert, options: FormatHandlerOptions): AttemptResult {
  const alert = validateAlert(claimed.body);
  const enrichment = EnrichmentSchema.safeParse(claimed.enrichment);
  const analysis = AnalysisSchema.safeParse(claimed.analysis);
  if (!alert.ok || !enrichment.success || !analysis.success) {
    return {
      kind: 'fail',
      id: claimed.id,
      error: 'stored alert, enrichment or analysis is unreadable',
    };
  }

  const input: MessageInput = {
    alertId: claimed.id,
    alert: alert.alert,
    enrichment: enrichment.data,
    analysis: analysis.data,
    publicUrl: options.publicUrl,
  };
  // Every receiver shows the same facts: built once per alert, by the first receiver, so
  // that a bad public URL fails naming it as before.
  let view: MessageView | undefined;
  const deliveries: PendingDelivery[] = [];
  for (const name of analysis.data.receivers) {
    const receiver = options.receivers.get(name);
    if (!receiver) {
      return { kind: 'fail', id: claimed.id, error: `no receiver named '${name}' is configured` };
    }
    try {
      view ??= buildMessageView(input);
      const rendered = renderMessage(receiver, input, view);
      deliveries.push({ receiver: name, channel: receiver.channel, rendered });
    } catch (err) {
      if (!isPermanent(err)) {
        throw err;
      }
      return {
        kind: 'fail',
        id: claimed.id,
        error: `receiver '${name}': ${(err as Error).message}`,
      };
    }
  }
  const result: FormattedResult = { kind: 'done', id: claimed.id, deliveries };
  return result;
}

/** What the format handler needs: the receivers it may render for, and Herald's public URL. */
export interface FormatHandlerOptions {
  receivers: ReceiverDirectory;
  publicUrl?: string | undefined;
}

/**
 * Renders one message per receiver of each alert, by the receiver's channel and templates,
 * and stores them as pending deliveries in the same transaction as the alert's move to
 * `formatted`.
 */
export function createFormatHandler(options: FormatHandlerOptions): StageHandler {
  return {
    async process(alerts: readonly ClaimedAlert[]): Promise<AttemptResult[]> {
      return alerts.map((claimed) => formatAlert(claimed, options));
    },

    async persist(client: pg.PoolClient, done): Promise<void> {
      await insertPendingDeliveries(
        client,
        done.flatMap((result) =>
          deliveriesOf(result).map((delivery) => ({ alertId: result.id, ...delivery })),
        ),
      );
    },
  };
}
