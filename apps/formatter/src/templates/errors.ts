/**
 * A receiver's template cannot be read, parsed or rendered. Permanent: the same template
 * fails the same way on every retry, so the operator must fix the file.
 */
export class TemplateError extends Error {
  readonly code = 'FORMATTER_TEMPLATE_INVALID';
  readonly retryable = false;
  readonly isTemplateError = true;
}

/** True for a TemplateError, also across duplicate copies of this module. */
export function isTemplateError(err: unknown): err is TemplateError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'isTemplateError' in err &&
    err.isTemplateError === true
  );
}
