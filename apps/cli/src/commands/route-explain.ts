import type { GroupingSettings, RoutingResult } from '@herald/config';

// Alert fields are attacker-controlled: control characters (terminal escape sequences) in them
// are shown as '?' instead of being sent to the operator's terminal.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text safe to print to a terminal: tabs and line breaks kept, other control characters '?'. */
export function printable(text: string): string {
  return text.replace(CONTROL, '?');
}

function duration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
}

/** `by rule.id, agent.id; wait 0s, interval 5m, repeat 4h` */
export function describeGrouping(grouping: GroupingSettings): string {
  return (
    `by ${grouping.groupBy.join(', ')}; wait ${duration(grouping.groupWaitMs)},` +
    ` interval ${duration(grouping.groupIntervalMs)}, repeat ${duration(grouping.repeatIntervalMs)}`
  );
}

/** The routing answer for one alert as indented lines: receivers, why, grouping, muted routes. */
export function explainRouting(result: RoutingResult): string[] {
  const lines: string[] = [];
  for (const receiver of result.receivers) {
    lines.push(`  -> ${receiver.name}  via ${receiver.route}`);
    for (const why of receiver.why) lines.push(`       ${why}`);
    lines.push(`       grouping ${describeGrouping(receiver.grouping)}`);
  }
  for (const muted of result.muted) {
    lines.push(`  muted ${muted.receiver ?? '(no receiver)'}: ${muted.why}`);
  }
  if (result.receivers.length === 0) {
    lines.push(`  -> nobody: ${result.reason ?? 'no receiver reached'}`);
  }
  return lines;
}
