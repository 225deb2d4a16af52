import { createHash } from 'node:crypto';
import { fieldValues, type MatchSubject } from '@herald/config';

/** Longest label value kept as written; a longer one is cut and tagged with its hash. */
const MAX_LABEL_CHARS = 256;
/** Longest group key kept as text; a longer one is replaced by its hash (index size). */
const MAX_KEY_CHARS = 512;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// Alert fields are the sender's to choose (a command line, a URL): a long one is cut for the
// group's labels and digests, and its hash keeps two values that share the cut apart.
function bounded(value: string): string {
  if (value.length <= MAX_LABEL_CHARS) return value;
  return `${value.slice(0, MAX_LABEL_CHARS - 80)}… (${value.length} chars, sha256 ${sha256(value)})`;
}

/**
 * The group-by fields of an alert and their values. A field the alert lacks is left out
 * (alerts without a source IP group by the other fields alone); an array field's values
 * are sorted and joined with commas; a value longer than 256 characters is cut and tagged
 * with the hash of the whole, so it stays distinct and small.
 */
export function groupLabels(
  subject: MatchSubject,
  groupBy: readonly string[],
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of [...new Set(groupBy)].sort()) {
    const values = fieldValues(subject, name).filter((value) => value !== '');
    if (values.length > 0) labels[name] = bounded([...new Set(values)].sort().join(','));
  }
  return labels;
}

/**
 * Canonical text of a group's labels: equal labels, equal key, whatever the order given.
 * A key longer than 512 characters (many group-by fields) is its SHA-256, so it always fits
 * the groups' unique index.
 */
export function groupKey(labels: Record<string, string>): string {
  const key = JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );
  return key.length <= MAX_KEY_CHARS ? key : `sha256:${sha256(key)}`;
}
