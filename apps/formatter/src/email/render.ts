import type { RenderedEmail } from '@herald/contracts';
import { cleanText, capText, oneLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput } from '../message/view.ts';
import { renderPart, type TemplateSet } from '../templates/set.ts';
import { renderHtmlBody } from './html-body.ts';
import { buildHeaders, buildSubject, SUBJECT_MAX_CHARS } from './subject.ts';
import { renderTextBody } from './text-body.ts';

/** Everything `renderEmail` needs about one alert and one email receiver. */
export interface EmailInput extends MessageInput {
  /** Sender address (configuration, not alert data). */
  from: string;
  /** Receiver addresses (configuration, not alert data). */
  to: string[];
}

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
 * A receiver's templates may replace the subject (one line, capped whatever the template
 * writes), the text body and the HTML body (values HTML-escaped); the defaults are built
 * in code.
 *
 * @throws RangeError when `from`, `to` or `publicUrl` (configuration) are unusable.
 * @throws TemplateError when a receiver's template fails to render.
 */
export function renderEmail(input: EmailInput, templates?: TemplateSet): RenderedEmail {
  checkAddress('from', input.from);
  if (input.to.length === 0) {
    throw new RangeError('to must name at least one address, got []');
  }
  input.to.forEach((address, index) => checkAddress(`to[${index}]`, address));

  const view = buildMessageView(input);
  const templated = templates && renderPart(templates, 'subject', view);
  const subject =
    templated === undefined
      ? buildSubject(input.alert, input.analysis)
      : capText(oneLine(templated), SUBJECT_MAX_CHARS - 1, '…') || buildSubject(input.alert, input.analysis);
  const text = templates && renderPart(templates, 'text', view);
  const html = templates && renderPart(templates, 'html', view);
  return {
    channel: 'email',
    from: input.from,
    to: [...input.to],
    subject,
    text: text === undefined ? renderTextBody(view) : cleanText(text),
    html: html ?? renderHtmlBody(view, subject).toString(),
    headers: buildHeaders(input.alertId, input.alert, input.analysis),
  };
}
