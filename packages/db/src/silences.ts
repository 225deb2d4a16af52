import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isAlertId } from './alert-id.ts';

/** A matcher as stored: Alertmanager's object form (see @herald/config's matchers). */
export interface StoredMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** One silence as stored. */
export interface SilenceRow {
  id: string;
  matchers: StoredMatcher[];
  startsAt: Date;
  endsAt: Date;
  author: string;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What a new silence needs; the caller has validated the matchers and the window. */
export interface NewSilence {
  matchers: readonly StoredMatcher[];
  startsAt: Date;
  endsAt: Date;
  author: string;
  comment: string;
}

interface Row {
  id: string;
  matchers: StoredMatcher[];
  starts_at: Date;
  ends_at: Date;
  author: string;
  comment: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, matchers, starts_at, ends_at, author, comment, created_at, updated_at';

function toSilence(row: Row): SilenceRow {
  return {
    id: row.id,
    matchers: row.matchers,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    author: row.author,
    comment: row.comment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Stores a silence and returns it with its id. */
export async function createSilence(pool: pg.Pool, silence: NewSilence): Promise<SilenceRow> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO silences (id, matchers, starts_at, ends_at, author, comment)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [
      randomUUID(),
      JSON.stringify(silence.matchers),
      silence.startsAt,
      silence.endsAt,
      silence.author,
      silence.comment,
    ],
  );
  return toSilence(rows[0] as Row);
}

/**
 * Silences, newest first: by default those not yet ended at `now` (active and pending);
 * with `includeExpired`, every one.
 */
export async function listSilences(
  pool: pg.Pool,
  { now = new Date(), includeExpired = false }: { now?: Date; includeExpired?: boolean } = {},
): Promise<SilenceRow[]> {
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM silences
      WHERE $1 OR ends_at > $2
      ORDER BY created_at DESC, id`,
    [includeExpired, now],
  );
  return rows.map(toSilence);
}

/** The silences in force at `now`: started, and not yet ended. */
export async function activeSilences(pool: pg.Pool, now: Date = new Date()): Promise<SilenceRow[]> {
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM silences WHERE starts_at <= $1 AND ends_at > $1 ORDER BY id`,
    [now],
  );
  return rows.map(toSilence);
}

/**
 * Ends a silence at `now`. One already ended keeps its end; one not yet started ends
 * before it begins (start and end both `now`). Undefined for an unknown id (or a string
 * that is no UUID).
 */
export async function expireSilence(
  pool: pg.Pool,
  id: string,
  now: Date = new Date(),
): Promise<SilenceRow | undefined> {
  // Silence ids are UUIDs like alert ids; anything else would fail the uuid parameter.
  if (!isAlertId(id)) return undefined;
  const { rows } = await pool.query<Row>(
    `UPDATE silences
        SET starts_at = LEAST(starts_at, $2), ends_at = LEAST(ends_at, $2),
            updated_at = CASE WHEN ends_at > $2 THEN now() ELSE updated_at END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now],
  );
  return rows[0] ? toSilence(rows[0]) : undefined;
}
