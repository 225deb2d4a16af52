import type { NewAlert } from '@herald/db';
import { alertIdentity, alertOrigin, validateAlert, type AlertFieldError } from '@herald/wazuh';
import type { AlertWriter } from './alert-writer.ts';
import type { BatchEntry } from './batch.ts';
import type { Unpublished } from './hand-on.ts';
import { findUnstorable } from './storable.ts';

/** Where an alert sat in its request: 0-based index, and the 1-based line of NDJSON bodies. */
export interface BatchPosition {
  index: number;
  line?: number;
}

/** An alert that is stored: Herald's id, and whether it was stored by an earlier post. */
export interface AcceptedAlert extends BatchPosition {
  id: string;
  duplicate: boolean;
}

/** An alert that was not stored, and every reason why. */
export interface RejectedAlert extends BatchPosition {
  errors: AlertFieldError[];
}

/** What became of each alert of a request, in request order. */
export interface IngestResult {
  accepted: AcceptedAlert[];
  rejected: RejectedAlert[];
  /** Set when the stored alerts could not be handed to the enrich stream. */
  unpublished?: Unpublished;
}

/** Where ingest stores the valid alerts and hands them on. */
export interface IngestTarget {
  writer: Pick<AlertWriter, 'write'>;
}

function positionOf(entry: BatchEntry): BatchPosition {
  return entry.line === undefined
    ? { index: entry.index }
    : { index: entry.index, line: entry.line };
}

/** The row ingest stores for a valid alert: the alert and the columns stages filter on. */
function toNewAlert(
  value: unknown,
): { ok: true; alert: NewAlert } | { ok: false; errors: AlertFieldError[] } {
  // Before validation, which copies the alert (a huge one must not get that far), and on
  // the value as it came: validation drops __proto__ keys without a word.
  const unstorable = findUnstorable(value);
  if (unstorable) {
    return { ok: false, errors: [unstorable] };
  }
  const validation = validateAlert(value);
  if (!validation.ok) {
    return validation;
  }

  const alert = validation.alert;
  return {
    ok: true,
    alert: {
      identityKey: alertIdentity(alert),
      sourceId: alert.id,
      manager: alertOrigin(alert),
      ruleId: alert.rule.id,
      ruleLevel: alert.rule.level,
      agentId: alert.agent?.id,
      agentName: alert.agent?.name,
      // As validated: rule.id always a string and rule.level a number, the rest as it came.
      body: alert,
    },
  };
}

/**
 * Validates a batch, then stores every valid alert idempotently and hands the newly created
 * ones to the enrich stream (the writer does both for concurrent requests at once).
 *
 * Throws StoreUnavailableError when the insert fails: nothing was stored and the caller
 * must not acknowledge anything. A failed publish does not throw: the alerts are committed
 * in state `new`, where the enricher's sweeper finds and republishes them; the result says
 * how many were not handed on.
 */
export async function ingest(
  entries: readonly BatchEntry[],
  target: IngestTarget,
): Promise<IngestResult> {
  const valid: { position: BatchPosition; alert: NewAlert }[] = [];
  const rejected: RejectedAlert[] = [];
  for (const entry of entries) {
    const position = positionOf(entry);
    if ('syntaxError' in entry) {
      rejected.push({ ...position, errors: [{ field: '(alert)', message: entry.syntaxError }] });
      continue;
    }
    const checked = toNewAlert(entry.value);
    if (checked.ok) {
      valid.push({ position, alert: checked.alert });
    } else {
      rejected.push({ ...position, errors: checked.errors });
    }
  }

  if (valid.length === 0) {
    return { accepted: [], rejected };
  }

  const { refs, unpublished } = await target.writer.write(valid.map((v) => v.alert));
  const accepted = refs.map((ref, i): AcceptedAlert => ({
    ...valid[i]!.position,
    id: ref.id,
    duplicate: !ref.created,
  }));
  return unpublished ? { accepted, rejected, unpublished } : { accepted, rejected };
}
