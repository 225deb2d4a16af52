import type { RenderedEmail } from '@herald/contracts';
import { renderHtmlBody } from './html-body.ts';
import { buildHeaders, buildSubject } from './subject.ts';
import { renderTextBody } from './text-body.ts';
import { buildEmailView, type EmailInput } from './view.ts';

/** Addresses come from configuration; a control character there is a config mistake. */
function checkAddress(name: string, value: string): void {
  if (value.trim() === '' || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value)) {
    throw new RangeError(
      `${name} must be a non-empty one-line address, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Renders one alert as an email for one receiver: a one-line subject, a plain-text and
 * an HTML body with the same facts, and X-Herald-* headers. Alert text is treated as
 * hostile throughout (see sanitize.ts and html.ts).
 *
 * @throws RangeError when `from`, `to` or `publicUrl` (configuration) are unusable.
 */
export function renderEmail(input: EmailInput): RenderedEmail {
  checkAddress('from', input.from);
  if (input.to.length === 0) {
    throw new RangeError('to must name at least one address, got []');
  }
  input.to.forEach((address, index) => checkAddress(`to[${index}]`, address));

  const view = buildEmailView(input);
  const subject = buildSubject(input.alert, input.analysis);
  return {
    channel: 'email',
    from: input.from,
    to: [...input.to],
    subject,
    text: renderTextBody(view),
    html: renderHtmlBody(view, subject).toString(),
    headers: buildHeaders(input.alertId, input.alert, input.analysis),
  };
}
