import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { createHeraldClient } from '../http-client.ts';
import {
  isReplayStoppedError,
  replayFile,
  type ReplayOptions,
  type ReplaySummary,
} from './replay-file.ts';

const USAGE = `usage: herald replay <alerts.json> [--from ISO] [--to ISO] [--manager NAME] [--batch N]

  Posts the alerts of a Wazuh manager's alerts.json (one JSON alert per line, as
  /var/ossec/logs/alerts/alerts.json) to Herald, for the gaps nothing else covered.
  --from/--to select by the alerts' own timestamp (from inclusive, to exclusive; ISO 8601
  with a zone, e.g. 2026-05-03T05:00:00Z); --manager keeps only the alerts of that manager
  (its cluster node name, else manager.name). The file is streamed, in batches of --batch
  alerts (default 500). Idempotent: an alert Herald already stored is counted
  "already stored" and nothing new is stored for it, so a replay can be run again.
  429/503 answers are waited out as Retry-After says, 5 tries per batch at most.
  Malformed lines are skipped and named by line number. Exits 1 when a line was malformed
  or rejected, or the replay stopped early.

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

function parseInstant(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(
      `--${flag} must be an ISO 8601 time with a zone, e.g. 2026-05-03T05:00:00Z, got '${value}'`,
    );
  }
  return at;
}

function printSummary(io: CliIo, summary: ReplaySummary): void {
  for (const problem of summary.malformed)
    io.stderr(`line ${problem.line}: skipped, ${problem.reason}\n`);
  for (const problem of summary.rejected)
    io.stderr(`line ${problem.line}: rejected, ${problem.reason}\n`);
  io.stdout(
    `read ${summary.read}, in range ${summary.inRange}, accepted ${summary.accepted}, ` +
      `already stored ${summary.alreadyStored}, rejected ${summary.rejected.length}` +
      (summary.malformed.length > 0 ? `, malformed ${summary.malformed.length}` : '') +
      '\n',
  );
}

/** `herald replay`: posts a range of a manager's alerts.json, idempotently. */
export const replayCommand: Command = {
  name: 'replay',
  summary: "post a time range of a manager's alerts.json (idempotent)",
  usage: USAGE,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          manager: { type: 'string' },
          batch: { type: 'string' },
        },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('give exactly one alerts.json file');
    const from = parseInstant('from', values.from);
    const to = parseInstant('to', values.to);
    if (from !== undefined && to !== undefined && from >= to) {
      throw new UsageError('--from must be before --to');
    }
    const batchSize = values.batch === undefined ? 500 : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
      throw new UsageError(`--batch must be a whole number from 1 to 5000, got '${values.batch}'`);
    }
    if (values.manager !== undefined && values.manager.trim() === '') {
      throw new UsageError('--manager must name a manager');
    }
    const path = resolve(io.cwd, positionals[0]!);
    try {
      await access(path);
    } catch {
      io.stderr(`herald replay: cannot read ${path}\n`);
      return 1;
    }

    const options: ReplayOptions = {
      from,
      to,
      manager: values.manager,
      batchSize,
      // Ingest's default body limit is 10 MiB; stay well under it.
      batchBytes: 4 * 1024 * 1024,
      maxTries: 5,
      maxWaitMs: 60_000,
    };
    let client;
    try {
      client = createHeraldClient(io.env);
    } catch (err) {
      io.stderr(`herald replay: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    try {
      const summary = await replayFile(path, client, options);
      printSummary(io, summary);
      return summary.malformed.length > 0 || summary.rejected.length > 0 ? 1 : 0;
    } catch (err) {
      if (!isReplayStoppedError(err)) throw err;
      printSummary(io, err.summary);
      io.stderr(
        `herald replay: stopped at line ${err.atLine}: ${err.message}\n` +
          'nothing after that line was posted; run the same replay again (it is idempotent)\n',
      );
      return 1;
    }
  },
};
