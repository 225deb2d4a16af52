/** What an error thrown by a wrapped call means for the destination's health. */
export type ErrorVerdict = 'failure' | 'ignore';

/** Decides whether an error counts against the destination. Must not throw. */
export type ErrorClassifier = (err: unknown) => ErrorVerdict;

/**
 * The default classifier (CB-15, CB-18):
 * - an error carrying `breakerOutcome: 'ignore' | 'failure'` gets that verdict, so a
 *   client can mark errors it understands better than a status code does;
 * - a numeric `status` or `statusCode` of 400-499 other than 408 is ignored: the request
 *   was wrong (one malformed alert must not cut off every alert) or the destination asked
 *   us to slow down (429), neither of which says it is unhealthy;
 * - everything else (transport errors, 408, 5xx, unknown throws) is a failure.
 */
export function defaultClassify(err: unknown): ErrorVerdict {
  if (typeof err !== 'object' || err === null) {
    return 'failure';
  }

  const marked = (err as { breakerOutcome?: unknown }).breakerOutcome;
  if (marked === 'ignore' || marked === 'failure') {
    return marked;
  }

  const status = httpStatusOf(err);
  if (status !== undefined && status >= 400 && status <= 499 && status !== 408) {
    return 'ignore';
  }
  return 'failure';
}

function httpStatusOf(err: object): number | undefined {
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  if (typeof status === 'number') {
    return status;
  }
  if (typeof statusCode === 'number') {
    return statusCode;
  }
  return undefined;
}
