import type { RenderedEmail } from '@herald/contracts';
import { cleanText, capText, oneLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput, type MessageView } from '../message/view.ts';
import { TemplateError } from '../templates/errors.ts';
import { loadTemplateSet, renderPart, type TemplateSet } from '../templates/set.ts';
import { buildHeaders, buildSubject, SUBJECT_MAX_CHARS } from './subject.ts';

/** Everything `renderEmail` needs about one alert and one email receiver. */
export interface EmailInput extends MessageInput {
  /** Sender address (configuration, not alert data). */
  from: string;
  /** Receiver addresses (configuration, not alert data). */
  to: string[];
}

let shippedTemplates: TemplateSet | undefined;

/** Herald's email templates, read once. */
function defaultTemplates(): TemplateSet {
  shippedTemplates ??= loadTemplateSet('email');
  return shippedTemplates;
}

function bodyPart(
  set: TemplateSet,
  part: 'text' | 'html',
  view: MessageView,
  subject: string,
): string {
  const body =
    renderPart(set, part, view, { subject }) ??
    renderPart(defaultTemplates(), part, view, { subject });
  if (body === undefined) {
    throw new TemplateError(
      `no ${part} template for email: Herald's templates/email/${part}.liquid is missing`,
    );
  }
  return body;
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
 * hostile throughout: cleaned and capped by the view (see message/sanitize.ts), and
 * HTML-escaped by the template engine in the HTML body.
 *
 * The bodies come from the receiver's templates, else Herald's (templates/email/html.liquid
 * and text.liquid). A subject template replaces the built subject, kept to one line and
 * capped whatever it writes.
 *
 * `view` is `input`'s, built by the caller when it renders the alert for several receivers.
 *
 * @throws RangeError when `from`, `to` or `publicUrl` (configuration) are unusable.
 * @throws TemplateError when a receiver's template fails to render.
 */
export function renderEmail(
  input: EmailInput,
  templates?: TemplateSet,
  view: MessageView = buildMessageView(input),
): RenderedEmail {
  checkAddress('from', input.from);
  if (input.to.length === 0) {
    throw new RangeError('to must name at least one address, got []');
  }
  input.to.forEach((address, index) => checkAddress(`to[${index}]`, address));

  const set = templates ?? defaultTemplates();
  const templated = renderPart(set, 'subject', view);
  const subject =
    templated === undefined
      ? buildSubject(input.alert, input.analysis)
      : capText(oneLine(templated), SUBJECT_MAX_CHARS - 1, '…') ||
        buildSubject(input.alert, input.analysis);
  return {
    channel: 'email',
    from: input.from,
    to: [...input.to],
    subject,
    text: cleanText(bodyPart(set, 'text', view, subject)),
    html: bodyPart(set, 'html', view, subject),
    headers: buildHeaders(input.alertId, input.alert, input.analysis),
  };
}
