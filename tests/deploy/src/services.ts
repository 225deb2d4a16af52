// The five services as the deployment files must know them, taken from the apps themselves:
// the variables each one reads (its zod schema in src/env.ts), its health port and, for a
// stage, the stream and consumer group it reads.
import { groupName, streamKey, type StageStream } from '@herald/streams';
import { AnalyzerEnv } from '../../../apps/analyzer/src/env.ts';
import { EnricherEnv } from '../../../apps/enricher/src/env.ts';
import { FormatterEnv } from '../../../apps/formatter/src/env.ts';
import { IngestEnvSchema } from '../../../apps/ingest-api/src/env.ts';
import { SenderEnv } from '../../../apps/sender/src/env.ts';

/** What the tests use of an app's zod environment schema. */
interface EnvSchema {
  shape: Record<string, unknown>;
  parse(input: unknown): unknown;
}

/** One deployable service. */
export interface Service {
  name: 'ingest-api' | 'enricher' | 'analyzer' | 'formatter' | 'sender';
  schema: EnvSchema;
  /** The stream a stage worker reads; ingest-api has none. */
  stage?: StageStream;
}

export const SERVICES: readonly Service[] = [
  { name: 'ingest-api', schema: IngestEnvSchema },
  { name: 'enricher', schema: EnricherEnv, stage: 'enrich' },
  { name: 'analyzer', schema: AnalyzerEnv, stage: 'analyze' },
  { name: 'formatter', schema: FormatterEnv, stage: 'format' },
  { name: 'sender', schema: SenderEnv, stage: 'send' },
];

/** Every environment variable `service` reads. */
export function envNames(service: Service): string[] {
  return Object.keys(service.schema.shape).sort();
}

/**
 * The port the service answers /healthz, /readyz and /metrics on by default: its schema's
 * default for HERALD_HTTP_PORT (ingest-api) or OPS_PORT (stages).
 */
export function defaultHealthPort(service: Service): number {
  const required = {
    DATABASE_URL: 'postgresql://herald@localhost/herald',
    REDIS_URL: 'redis://localhost:6379',
    HERALD_API_KEY: 'a-key-of-sixteen-characters',
  };
  const parsed = service.schema.parse(required) as Record<string, unknown>;
  const port = parsed[service.stage ? 'OPS_PORT' : 'HERALD_HTTP_PORT'];
  if (typeof port !== 'number') throw new Error(`${service.name} has no default health port`);
  return port;
}

/** The Redis stream and consumer group of a stage in the default namespace `herald`. */
export function stageStream(stage: StageStream): { stream: string; group: string } {
  return { stream: streamKey('herald', stage), group: groupName(stage) };
}

/** The variable a service reads but the deployment files must never set: see .env.example. */
export const PER_PROCESS_VARIABLES = ['HERALD_REPLICA'];
