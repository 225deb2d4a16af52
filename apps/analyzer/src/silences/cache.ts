import {
  holdsWithoutFields,
  matchesAll,
  matcherFromObject,
  type MatchSubject,
  type Matcher,
} from '@herald/config';
import { listSilences, type Database, type SilenceRow } from '@herald/db';

/** A silence ready to match: its matchers parsed once per load, not once per alert. */
export interface LoadedSilence {
  id: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
}

export interface SilenceCacheOptions {
  db: Pick<Database, 'pool'>;
  /** How long a loaded list is used before PostgreSQL is asked again. */
  ttlMs: number;
  now?: () => Date;
  /**
   * A stored silence whose matchers do not parse, or that would silence nearly everything
   * (written around the API, or before it refused such silences): it is skipped, and
   * reported once per cache.
   */
  onUnreadable?(details: { silenceId: string; err: unknown }): void;
}

/**
 * The silences that have not ended, read from PostgreSQL at most once per `ttlMs` (and by
 * one caller at a time), so a batch of alerts costs no query per alert. Pending silences
 * are kept too and checked against their window at match time, so one starts on time
 * within the cache's life; a silence created or expired elsewhere takes effect within `ttlMs`.
 */
export class SilenceCache {
  readonly #options: SilenceCacheOptions;
  #loaded: { at: number; silences: LoadedSilence[] } | undefined;
  #loading: Promise<LoadedSilence[]> | undefined;
  // Reported once each: the list is read again every `ttlMs`, the log would repeat it forever.
  readonly #reported = new Set<string>();

  constructor(options: SilenceCacheOptions) {
    this.#options = options;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  /** The silences not yet ended, from the cache while it is fresh. */
  async current(): Promise<LoadedSilence[]> {
    const now = this.#now().getTime();
    if (this.#loaded && now - this.#loaded.at < this.#options.ttlMs) return this.#loaded.silences;
    this.#loading ??= this.#load(now).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /** The first silence in force at `now` whose matchers all match the subject. */
  async silencing(
    subject: MatchSubject,
    now: Date = this.#now(),
  ): Promise<LoadedSilence | undefined> {
    return findSilence(await this.current(), subject, now);
  }

  async #load(at: number): Promise<LoadedSilence[]> {
    const rows = await listSilences(this.#options.db.pool, { now: new Date(at) });
    const silences = rows.flatMap((row) => this.#parse(row));
    this.#loaded = { at, silences };
    return silences;
  }

  #parse(row: SilenceRow): LoadedSilence[] {
    try {
      const matchers = row.matchers.map((matcher) => matcherFromObject(matcher));
      // Stored before the API refused them: it would silence nearly every alert.
      if (holdsWithoutFields(matchers)) {
        throw new Error('every matcher also holds for an alert without the field');
      }
      return [{ id: row.id, matchers, startsAt: row.startsAt, endsAt: row.endsAt }];
    } catch (err) {
      if (!this.#reported.has(row.id)) {
        this.#reported.add(row.id);
        this.#options.onUnreadable?.({ silenceId: row.id, err });
      }
      return [];
    }
  }
}

/**
 * The first silence in force at `now` (started, not ended) whose matchers all match.
 * A silence without matchers silences nothing: the API refuses one, and this keeps a
 * stored one from silencing everything.
 */
export function findSilence(
  silences: readonly LoadedSilence[],
  subject: MatchSubject,
  now: Date,
): LoadedSilence | undefined {
  const at = now.getTime();
  return silences.find(
    (silence) =>
      silence.matchers.length > 0 &&
      silence.startsAt.getTime() <= at &&
      at < silence.endsAt.getTime() &&
      matchesAll(silence.matchers, subject),
  );
}
