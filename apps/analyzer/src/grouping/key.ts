import { fieldValues, type MatchSubject } from '@herald/config';

/**
 * The group-by fields of an alert and their values. A field the alert lacks is left out
 * (alerts without a source IP group by the other fields alone); an array field's values
 * are sorted and joined with commas.
 */
export function groupLabels(
  subject: MatchSubject,
  groupBy: readonly string[],
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of [...new Set(groupBy)].sort()) {
    const values = fieldValues(subject, name).filter((value) => value !== '');
    if (values.length > 0) labels[name] = [...new Set(values)].sort().join(',');
  }
  return labels;
}

/** Canonical text of a group's labels: equal labels, equal key, whatever the order given. */
export function groupKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );
}
