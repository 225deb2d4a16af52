import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import {
  createHeraldClient,
  isHeraldRequestError,
  reportingRequestErrors,
} from '../http-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Skipped {
  id: string;
  reason: string;
  state?: string;
  retries?: number;
}

const USAGE = `usage: herald retry <alert-id>...
       herald retry --all [--limit N]

  Moves alerts from error back to new, so they go through the pipeline again from enrich
  (each retry counts against HERALD_MAX_RETRIES). --all retries the oldest alerts in
  error, up to --limit (default 1000, at most 10000). Exits 1 when an alert was not retried.

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

function describeSkip(skip: Skipped): string {
  const state = skip.state ? ` (state ${skip.state}, retried ${skip.retries ?? 0} times)` : '';
  return `not retried ${skip.id}: ${skip.reason}${state}`;
}

/** `herald retry`: an operator's way out of `error`. */
export const retryCommand: Command = {
  name: 'retry',
  summary: 'retry alerts in error (by id, or --all)',
  usage: USAGE,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { all: { type: 'boolean' }, limit: { type: 'string' } },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const { values, positionals } = parsed;
    if (values.all && positionals.length > 0)
      throw new UsageError('give alert ids or --all, not both');
    if (!values.all && positionals.length === 0)
      throw new UsageError('give at least one alert id, or --all');
    if (!values.all && values.limit !== undefined) throw new UsageError('--limit goes with --all');
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!/^\d+$/.test(values.limit!) || limit < 1 || limit > 10_000)) {
      throw new UsageError(`--limit must be a whole number from 1 to 10000, got '${values.limit}'`);
    }
    const bad = positionals.find((id) => !UUID.test(id));
    if (bad) throw new UsageError(`'${bad}' is not an alert id (a UUID)`);

    const client = createHeraldClient(io.env);
    return reportingRequestErrors('retry', io, async () => {
      if (values.all) {
        const { body } = await client.request<{ retried: string[]; skipped: Skipped[] }>(
          'POST',
          '/v1/alerts/retry',
          { body: { state: 'error', ...(limit ? { limit } : {}) } },
        );
        for (const id of body.retried) io.stdout(`retried ${id}\n`);
        for (const skip of body.skipped) io.stderr(`${describeSkip(skip)}\n`);
        io.stdout(`retried ${body.retried.length}, not retried ${body.skipped.length}\n`);
        return body.skipped.length > 0 ? 1 : 0;
      }

      let failed = 0;
      for (const id of positionals) {
        try {
          await client.request('POST', `/v1/alerts/${id}/retry`);
          io.stdout(`retried ${id}\n`);
        } catch (err) {
          // 404 and 409 concern this alert only: say so and go on with the others.
          if (!isHeraldRequestError(err) || (err.status !== 404 && err.status !== 409)) throw err;
          failed += 1;
          io.stderr(`not retried ${id}: ${err.message}\n`);
        }
      }
      io.stdout(`retried ${positionals.length - failed}, not retried ${failed}\n`);
      return failed > 0 ? 1 : 0;
    });
  },
};
