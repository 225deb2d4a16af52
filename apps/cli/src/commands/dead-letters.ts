import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { createHeraldClient, reportingRequestErrors, type HeraldClient } from '../http-client.ts';

const STAGES = ['enrich', 'analyze', 'format', 'send'] as const;

interface DeadLetterView {
  entryId: string;
  deadLetteredAt: string;
  alertId: string | null;
  reason: string | null;
  alertState: string | null;
}

interface DeadLetterPage {
  stage: string;
  total: number;
  entries: DeadLetterView[];
}

interface RequeueEntry {
  stage: string;
  entryId: string;
  alertId: string | null;
}

interface RequeueOutcome {
  requeued: RequeueEntry[];
  settled: (RequeueEntry & { state: string })[];
  kept: (RequeueEntry & { reason: string })[];
  notFound: string[];
}

const USAGE = `usage: herald dead-letters list [--stage S] [--count N]
       herald dead-letters requeue <entry-id>... [--stage S]
       herald dead-letters requeue --all [--stage S] [--count N]

  list      the dead letters of one stage (S: ${STAGES.join(', ')}) or of every stage,
            oldest first, each with its alert's state now
  requeue   retries the alerts of the named entries (or of every entry, up to --count)
            and removes the entries: a requeue is a retry (error -> new, from enrich,
            counted against HERALD_MAX_RETRIES); an entry whose alert already left error
            is removed too, one whose alert cannot be retried is kept and says why
            (entry ids are unique per stage: give --stage when one is in two stages)

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

function parseStage(value: string | undefined): (typeof STAGES)[number] | undefined {
  if (value === undefined) return undefined;
  const stage = STAGES.find((s) => s === value);
  if (!stage) throw new UsageError(`--stage must be one of ${STAGES.join(', ')}, got '${value}'`);
  return stage;
}

function parseCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > 1000) {
    throw new UsageError(`--count must be a whole number from 1 to 1000, got '${value}'`);
  }
  return count;
}

function describeEntry(entry: RequeueEntry): string {
  return `${entry.stage} ${entry.entryId} (alert ${entry.alertId ?? 'none'})`;
}

async function list(client: HeraldClient, io: CliIo, stage: string | undefined, count?: number) {
  const stages = stage ? [stage] : STAGES;
  let shown = 0;
  for (const name of stages) {
    const query = new URLSearchParams({ stage: name, ...(count ? { count: String(count) } : {}) });
    const { body } = await client.request<DeadLetterPage>('GET', `/v1/dead-letters?${query}`);
    if (body.total === 0 && !stage) continue;
    io.stdout(`${name}: ${body.total} dead letter${body.total === 1 ? '' : 's'}\n`);
    for (const entry of body.entries) {
      io.stdout(
        `  ${entry.entryId}  ${entry.deadLetteredAt}  alert ${entry.alertId ?? '-'}` +
          ` (${entry.alertState ?? 'no such alert'})  ${entry.reason ?? ''}\n`,
      );
    }
    if (body.entries.length < body.total) {
      io.stdout(`  ... ${body.total - body.entries.length} more (raise --count)\n`);
    }
    shown += body.total;
  }
  if (shown === 0 && !stage) io.stdout('no dead letters\n');
  return 0;
}

async function requeue(
  client: HeraldClient,
  io: CliIo,
  selector: { stage?: string; entryIds: string[] } | { stage?: string; all: true; limit?: number },
) {
  const { body } = await client.request<RequeueOutcome>('POST', '/v1/dead-letters/requeue', {
    body: selector,
  });
  for (const entry of body.requeued) io.stdout(`requeued ${describeEntry(entry)}\n`);
  for (const entry of body.settled) {
    io.stdout(`removed ${describeEntry(entry)}: its alert is already ${entry.state}\n`);
  }
  for (const entry of body.kept) io.stderr(`kept ${describeEntry(entry)}: ${entry.reason}\n`);
  for (const id of body.notFound) io.stderr(`not found: ${id}\n`);
  io.stdout(
    `requeued ${body.requeued.length}, removed ${body.settled.length}, ` +
      `kept ${body.kept.length}, not found ${body.notFound.length}\n`,
  );
  return body.kept.length > 0 || body.notFound.length > 0 ? 1 : 0;
}

/** `herald dead-letters list|requeue`: an operator's view of what the stages gave up on. */
export const deadLettersCommand: Command = {
  name: 'dead-letters',
  summary: 'list dead letters, or requeue (retry) them',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          stage: { type: 'string' },
          count: { type: 'string' },
          all: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const { values, positionals } = parsed;
    const stage = parseStage(values.stage);
    const count = parseCount(values.count);

    if (action === 'list') {
      if (positionals.length > 0 || values.all) {
        throw new UsageError('list takes only --stage and --count');
      }
      const client = createHeraldClient(io.env);
      return reportingRequestErrors('dead-letters', io, () => list(client, io, stage, count));
    }
    if (action === 'requeue') {
      if (values.all && positionals.length > 0) {
        throw new UsageError('give entry ids or --all, not both');
      }
      if (!values.all && positionals.length === 0) {
        throw new UsageError('give at least one entry id, or --all');
      }
      if (!values.all && count !== undefined) throw new UsageError('--count goes with --all');
      const bad = positionals.find((id) => !/^\d+-\d+$/.test(id));
      if (bad) throw new UsageError(`'${bad}' is not an entry id such as 1765000000000-0`);
      const client = createHeraldClient(io.env);
      const selector = values.all
        ? { ...(stage ? { stage } : {}), all: true as const, ...(count ? { limit: count } : {}) }
        : { ...(stage ? { stage } : {}), entryIds: positionals };
      return reportingRequestErrors('dead-letters', io, () => requeue(client, io, selector));
    }
    throw new UsageError(
      action === undefined ? 'say list or requeue' : `unknown action '${action}'`,
    );
  },
};
