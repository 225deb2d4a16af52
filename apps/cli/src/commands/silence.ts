import { parseArgs } from 'node:util';
import { formatMatcher, parseDuration, parseMatcher } from '@herald/config';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { printable } from './route-explain.ts';
import {
  createHeraldClient,
  isHeraldRequestError,
  reportingRequestErrors,
  type HeraldClient,
} from '../http-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A silence as the API answers it. */
interface SilenceView {
  id: string;
  status: 'active' | 'pending' | 'expired';
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  startsAt: string;
  endsAt: string;
  author: string;
  comment: string;
}

const USAGE = `usage: herald silence add --matcher <m> [--matcher <m>...] (--for <duration> | --until <time>)
                          [--start <time>] --author <name> --comment <text>
       herald silence list [--expired]
       herald silence expire <silence-id>...

  A silence suppresses alerts matching all its matchers between its start (default now)
  and its end: they are analysed and kept, in state suppressed with the silence's id, and
  nobody is told. Matchers: field=value, field!=value, field=~regex, field!~regex (regexes
  match the whole value) on any alert field by dotted path (rule.id, agent.name,
  data.srcip, rule.groups) or enrichment fact (agent.groups, asset.criticality, asset.team).
  Durations: 30m, 2h, 7d. Times: ISO 8601 (2026-12-04T18:00:00Z). The analyzer applies a
  change within its silence cache's TTL (HERALD_SILENCE_CACHE_TTL_MS).

  list shows silences not yet ended (--expired: all). expire ends silences now; exits 1
  when one is unknown.

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

/** Runs parseArgs, turning its complaints into usage errors. */
function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function isoTime(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(
      `${flag} must be an ISO 8601 time such as 2026-12-04T18:00:00Z, got '${text}'`,
    );
  }
  return new Date(text).toISOString();
}

/** One line per silence: id, status, window, author, matchers, comment. */
// Shown as stored, not compiled: a silence whose regex no longer compiles is still listed, so
// it can be found and expired. Control characters print as `?`: the text is anyone's with a key.
function describe(silence: SilenceView): string {
  const matchers = silence.matchers
    .map(({ name, value, isRegex, isEqual }) => {
      const operator = isRegex ? (isEqual ? '=~' : '!~') : isEqual ? '=' : '!=';
      return formatMatcher({ name, operator, value });
    })
    .join(' ');
  return printable(
    `${silence.id}  ${silence.status}  ${silence.startsAt} .. ${silence.endsAt}  ${silence.author}  ${matchers}  # ${silence.comment}`,
  );
}

async function add(args: string[], io: CliIo, client: () => HeraldClient): Promise<number> {
  const { values } = parsing(() =>
    parseArgs({
      args,
      options: {
        matcher: { type: 'string', multiple: true },
        for: { type: 'string' },
        until: { type: 'string' },
        start: { type: 'string' },
        author: { type: 'string' },
        comment: { type: 'string' },
      },
    }),
  );
  const matchers = values.matcher ?? [];
  if (matchers.length === 0)
    throw new UsageError('give at least one --matcher, e.g. --matcher rule.id=5710');
  for (const text of matchers) {
    try {
      parseMatcher(text);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  }
  if ((values.for === undefined) === (values.until === undefined)) {
    throw new UsageError('give --for <duration> or --until <time>, one of them');
  }
  if (values.for !== undefined && !((parseDuration(values.for) ?? 0) > 0)) {
    throw new UsageError(`--for must be a duration such as 30m, 2h or 7d, got '${values.for}'`);
  }
  const author = values.author?.trim();
  if (!author) throw new UsageError('--author is required: who sets the silence');
  const comment = values.comment?.trim();
  if (!comment) throw new UsageError('--comment is required: why');
  const startsAt = isoTime('--start', values.start);
  const endsAt = isoTime('--until', values.until);

  return reportingRequestErrors('silence', io, async () => {
    const { body } = await client().request<SilenceView>('POST', '/v1/silences', {
      body: {
        matchers,
        author,
        comment,
        ...(startsAt ? { startsAt } : {}),
        ...(endsAt ? { endsAt } : { duration: values.for }),
      },
    });
    io.stdout(`created silence ${body.id} (${body.status} ${body.startsAt} .. ${body.endsAt})\n`);
    return 0;
  });
}

async function list(args: string[], io: CliIo, client: () => HeraldClient): Promise<number> {
  const { values } = parsing(() => parseArgs({ args, options: { expired: { type: 'boolean' } } }));
  return reportingRequestErrors('silence', io, async () => {
    const query = values.expired ? '?expired=true' : '';
    const { body } = await client().request<{ silences: SilenceView[] }>(
      'GET',
      `/v1/silences${query}`,
    );
    if (body.silences.length === 0)
      io.stdout(values.expired ? 'no silences\n' : 'no active or pending silences\n');
    for (const silence of body.silences) io.stdout(`${describe(silence)}\n`);
    return 0;
  });
}

async function expire(args: string[], io: CliIo, client: () => HeraldClient): Promise<number> {
  const { positionals } = parsing(() => parseArgs({ args, allowPositionals: true }));
  if (positionals.length === 0) throw new UsageError('give at least one silence id');
  const bad = positionals.find((id) => !UUID.test(id));
  if (bad) throw new UsageError(`'${bad}' is not a silence id (a UUID)`);
  return reportingRequestErrors('silence', io, async () => {
    let failed = 0;
    for (const id of positionals) {
      try {
        const { body } = await client().request<SilenceView>('DELETE', `/v1/silences/${id}`);
        io.stdout(`expired ${body.id} (ended ${body.endsAt})\n`);
      } catch (err) {
        // An unknown id concerns that silence only: say so and go on with the others.
        if (!isHeraldRequestError(err) || err.status !== 404) throw err;
        failed += 1;
        io.stderr(`not expired ${id}: ${err.message}\n`);
      }
    }
    return failed > 0 ? 1 : 0;
  });
}

/** `herald silence`: add, list and expire silences through the ingest API. */
export const silenceCommand: Command = {
  name: 'silence',
  summary: 'add, list or expire silences (alerts matching them are suppressed)',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    const client = () => createHeraldClient(io.env);
    switch (action) {
      case 'add':
        return add(rest, io, client);
      case 'list':
        return list(rest, io, client);
      case 'expire':
        return expire(rest, io, client);
      default:
        throw new UsageError(
          action === undefined ? 'give add, list or expire' : `no silence action named '${action}'`,
        );
    }
  },
};
