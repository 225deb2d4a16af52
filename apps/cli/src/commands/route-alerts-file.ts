import { readFile } from 'node:fs/promises';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';

/** One alert read from a file, with where it was: `line 3` (NDJSON) or `alert 2` (array). */
export interface FileAlert {
  place: string;
  alert: WazuhAlert;
}

/** An alert file that could not be read; each problem names its line. */
export class AlertFileError extends Error {
  readonly code = 'CLI_ALERT_FILE';
  readonly isAlertFileError = true;
  readonly problems: readonly string[];

  constructor(file: string, problems: string[], options?: { cause?: unknown }) {
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'), options);
    this.name = 'AlertFileError';
    this.problems = problems;
  }
}

export function isAlertFileError(err: unknown): err is AlertFileError {
  return typeof err === 'object' && err !== null && 'isAlertFileError' in err;
}

function parseValues(text: string, file: string): { place: string; value: unknown }[] {
  const trimmed = text.trim();
  // One JSON document (an alert, or an array of them), else NDJSON as alerts.json holds it.
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value)
      ? value.map((item, index) => ({ place: `alert ${index + 1}`, value: item }))
      : [{ place: 'alert', value }];
  } catch {
    const values: { place: string; value: unknown }[] = [];
    const problems: string[] = [];
    for (const [index, raw] of text.split('\n').entries()) {
      if (raw.trim() === '') continue;
      try {
        values.push({ place: `line ${index + 1}`, value: JSON.parse(raw) });
      } catch {
        problems.push(`line ${index + 1}: not JSON`);
      }
    }
    if (problems.length > 0) throw new AlertFileError(file, problems);
    return values;
  }
}

/**
 * Reads the alerts of a file: one JSON alert, a JSON array of alerts, or NDJSON (one alert a
 * line, as the manager's alerts.json). Every alert must have the Wazuh alert shape.
 *
 * @throws AlertFileError naming each bad line and field.
 */
export async function readAlertFile(path: string, shownAs: string): Promise<FileAlert[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AlertFileError(
      shownAs,
      [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`],
      {
        cause: err,
      },
    );
  }
  const alerts: FileAlert[] = [];
  const problems: string[] = [];
  // A byte order mark (Windows editors write one) is no part of the JSON.
  for (const { place, value } of parseValues(text.replace(/^\uFEFF/, ''), shownAs)) {
    const validation = validateAlert(value);
    if (validation.ok) {
      alerts.push({ place, alert: validation.alert });
    } else {
      problems.push(...validation.errors.map((e) => `${place}: ${e.field} ${e.message}`));
    }
  }
  if (problems.length > 0) throw new AlertFileError(shownAs, problems);
  if (alerts.length === 0) throw new AlertFileError(shownAs, ['holds no alert']);
  return alerts;
}
