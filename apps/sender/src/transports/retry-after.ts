/**
 * Milliseconds a `Retry-After` header asks for (RFC 9110 10.2.3): delta-seconds or an
 * HTTP-date. Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1_000;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(text)) return undefined;
  return Math.max(0, at - now);
}
