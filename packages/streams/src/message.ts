/**
 * What a stream entry carries: the alert id, the attempt, and the trace context. Never
 * the alert body, which lives in PostgreSQL.
 */
export interface WorkMessage {
  alertId: string;
  attempt: number;
  /** W3C traceparent of the work that published this entry, when there is one. */
  traceparent?: string;
}

/** Flattens a message into XADD field/value pairs. */
export function encodeMessage(message: WorkMessage): string[] {
  const fields = ['alert', message.alertId, 'attempt', String(message.attempt)];
  if (message.traceparent) fields.push('traceparent', message.traceparent);
  return fields;
}

/**
 * Reads XADD field/value pairs back. Undefined when the entry has no alert id: the fields
 * of a trimmed entry come back as nil, and such an entry must be treated as lost.
 */
export function decodeMessage(
  fields: readonly string[] | null | undefined,
): WorkMessage | undefined {
  if (!fields) return undefined;
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const alertId = map.get('alert');
  if (!alertId) return undefined;
  const attempt = Number(map.get('attempt') ?? '0');
  const traceparent = map.get('traceparent');
  return {
    alertId,
    attempt: Number.isInteger(attempt) ? attempt : 0,
    ...(traceparent ? { traceparent } : {}),
  };
}
