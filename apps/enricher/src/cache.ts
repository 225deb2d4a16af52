import { WazuhAgentSchema } from '@herald/wazuh';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AgentDirectory, DirectoryAgent } from './handler.ts';

export interface CachedAgentDirectoryOptions {
  /** Where misses are looked up: the Wazuh API client behind its breaker. */
  directory: AgentDirectory;
  redis: Redis;
  /** The install's key namespace (HERALD_REDIS_NAMESPACE). */
  namespace: string;
  /** How long an agent's details are reused, ms. */
  ttlMs: number;
  /** How long "the API does not know this agent" is reused, ms: shorter, as it may be enrolled soon. */
  unknownTtlMs: number;
  /** The API failed; what was cached is still returned and the rest reported failed. */
  onLookupError?: (err: unknown, agents: number) => void;
  /** Redis failed; the lookup went to the API for every agent instead. */
  onCacheError?: (err: unknown) => void;
}

const Entry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent'), agent: WazuhAgentSchema }),
  z.object({ kind: z.literal('unknown'), reason: z.string() }),
]);
type Entry = z.infer<typeof Entry>;

type Lookup = Awaited<ReturnType<AgentDirectory['getAgents']>>;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Agent details shared by every enricher replica through Redis: one key per agent id,
 * reused for `ttlMs`, and an agent the API does not know remembered for `unknownTtlMs`,
 * so a flood of alerts about an unknown agent asks the API once per that time, not once
 * per batch. A batch asks the API only for the agents not in the cache. The cache never
 * holds an alert up: a Redis failure sends every agent to the API, and an API failure
 * still returns what the cache had.
 */
export class CachedAgentDirectory implements AgentDirectory {
  private readonly options: CachedAgentDirectoryOptions;
  private readonly prefix: string;

  constructor(options: CachedAgentDirectoryOptions) {
    for (const name of ['ttlMs', 'unknownTtlMs'] as const) {
      if (!Number.isInteger(options[name]) || options[name] <= 0) {
        throw new RangeError(`${name} must be a whole number above 0, got ${options[name]}`);
      }
    }
    this.options = options;
    this.prefix = `{${options.namespace}}:agent:`;
  }

  async getAgents(ids: string[]): Promise<Lookup> {
    const wanted = [...new Set(ids)];
    const agents = new Map<string, DirectoryAgent>();
    const failed: Lookup['failed'] = [];

    const cached = await this.read(wanted);
    for (const [id, entry] of cached) {
      if (entry.kind === 'agent') {
        agents.set(id, entry.agent);
      } else {
        failed.push({ id, reason: entry.reason });
      }
    }
    const missing = wanted.filter((id) => !cached.has(id));
    if (missing.length === 0) {
      return { agents, failed };
    }

    let fresh: Lookup;
    try {
      fresh = await this.options.directory.getAgents(missing);
    } catch (err) {
      this.options.onLookupError?.(err, missing.length);
      const reason = `unavailable: ${errorText(err)}`;
      return { agents, failed: [...failed, ...missing.map((id) => ({ id, reason }))] };
    }
    for (const [id, agent] of fresh.agents) {
      agents.set(id, agent);
    }
    failed.push(...fresh.failed);
    await this.write(fresh);
    return { agents, failed };
  }

  private async read(ids: readonly string[]): Promise<Map<string, Entry>> {
    const found = new Map<string, Entry>();
    if (ids.length === 0) {
      return found;
    }
    let values: (string | null)[];
    try {
      values = await this.options.redis.mget(ids.map((id) => this.prefix + id));
    } catch (err) {
      this.options.onCacheError?.(err);
      return found;
    }
    values.forEach((value, index) => {
      if (value === null) {
        return;
      }
      try {
        const entry = Entry.safeParse(JSON.parse(value));
        // An entry this version cannot read is a miss: the API answers and it is rewritten.
        if (entry.success) {
          found.set(ids[index]!, entry.data);
        }
      } catch {
        // not JSON: a miss as well
      }
    });
    return found;
  }

  private async write(lookup: Lookup): Promise<void> {
    const pipeline = this.options.redis.pipeline();
    for (const [id, agent] of lookup.agents) {
      const parsed = WazuhAgentSchema.safeParse(agent);
      if (parsed.success) {
        const entry: Entry = { kind: 'agent', agent: parsed.data };
        pipeline.set(this.prefix + id, JSON.stringify(entry), 'PX', this.options.ttlMs);
      }
    }
    for (const { id, reason } of lookup.failed) {
      const entry: Entry = { kind: 'unknown', reason };
      pipeline.set(this.prefix + id, JSON.stringify(entry), 'PX', this.options.unknownTtlMs);
    }
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failure = replies.find(([err]) => err !== null)?.[0];
      if (failure) {
        throw failure;
      }
    } catch (err) {
      this.options.onCacheError?.(err);
    }
  }
}
