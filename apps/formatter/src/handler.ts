import { randomUUID } from 'node:crypto';
import {
  AnalysisSchema,
  EnrichmentSchema,
  type RenderedMessage,
} from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { StageHandler } from '@herald/stage';
import { validateAlert } from '@herald/wazuh';
import type pg from 'pg';
import { renderEmail } from './email/render.ts';
import { messageKey, type ReceiverDirectory } from './receivers.ts';

interface PendingDelivery {
  receiver: string;
  channel: string;
  rendered: RenderedMessage;
}

/**
 * Renders one message per receiver of each alert and stores them as pending deliveries,
 * in the same transaction as the alert's move to `formatted`.
 */
export function createFormatHandler(options: { receivers: ReceiverDirectory; publicUrl?: string | undefined }): StageHandler {
  // What process() rendered for the batch, handed to persist() of the same batch: the
  // worker calls them in turn, and only for alerts whose results it committed.
  let rendered = new Map<string, PendingDelivery[]>();

  return {
    async process(alerts: readonly ClaimedAlert[]): Promise<AttemptResult[]> {
      rendered = new Map();
      return alerts.map((claimed): AttemptResult => {
        const alert = validateAlert(claimed.body);
        const enrichment = EnrichmentSchema.safeParse(claimed.enrichment);
        const analysis = AnalysisSchema.safeParse(claimed.analysis);
        if (!alert.ok || !enrichment.success || !analysis.success) {
          return { kind: 'fail', id: claimed.id, error: 'stored alert, enrichment or analysis is unreadable' };
        }
        const deliveries: PendingDelivery[] = [];
        for (const name of analysis.data.receivers) {
          const receiver = options.receivers.get(name);
          if (!receiver) {
            return { kind: 'fail', id: claimed.id, error: `no receiver named '${name}' is configured` };
          }
          const email = renderEmail({
            alertId: claimed.id,
            alert: alert.alert,
            enrichment: enrichment.data,
            analysis: analysis.data,
            from: receiver.from,
            to: receiver.to,
            ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
          });
          deliveries.push({ receiver: name, channel: receiver.channel, rendered: email });
        }
        rendered.set(claimed.id, deliveries);
        return { kind: 'done', id: claimed.id };
      });
    },

    async persist(client: pg.PoolClient, done): Promise<void> {
      const rows = done.flatMap((result) =>
        (rendered.get(result.id) ?? []).map((delivery) => ({ alertId: result.id, ...delivery })),
      );
      if (rows.length === 0) return;
      // First render wins: a retried format after a crash does not replace what the
      // sender may already be sending.
      await client.query(
        `INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
         ON CONFLICT (alert_id, receiver) DO NOTHING`,
        [
          rows.map(() => randomUUID()),
          rows.map((row) => row.alertId),
          rows.map((row) => row.receiver),
          rows.map((row) => row.channel),
          rows.map((row) => messageKey(row.alertId, row.receiver)),
          rows.map((row) => JSON.stringify(row.rendered)),
        ],
      );
    },
  };
}
