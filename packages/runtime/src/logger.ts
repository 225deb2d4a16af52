import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields that must never reach a log line: credentials anywhere, and whole alert bodies
 * (attacker-controlled and possibly personal data). Log the alert id instead.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'body',
  '*.body',
  'alert',
  '*.alert',
  'full_log',
  '*.full_log',
];

/** A name for this process that is unique among live ones: host, pid and a random tail. */
export function defaultReplicaName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface LoggerOptions {
  service: string;
  replica: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

/** JSON lines with `service` and `replica` on each, and secrets and bodies redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, replica: options.replica },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that writes nothing: for tests and tools that must not print. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
