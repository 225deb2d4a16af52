import type { RenderedSlack } from '@herald/contracts';
import { codePoints, cutText, truncationNote } from '../message/limits.ts';
import { shortLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput, type MessageView } from '../message/view.ts';
import { escapeSlack } from '../templates/escape.ts';
import { renderPart, type TemplateSet } from '../templates/set.ts';

/** Slack's documented limits (Block Kit reference and chat.postMessage). */
export const SLACK_LIMITS = {
  /** Top-level `text`: Slack truncates past 40,000 characters; Herald stays well below. */
  textChars: 4_000,
  blocks: 50,
  sectionTextChars: 3_000,
  headerTextChars: 150,
  fieldTextChars: 2_000,
  fields: 10,
  contextElements: 10,
  contextTextChars: 3_000,
  /** Preformatted log excerpt; not a published limit, kept to a section's size. */
  preformattedChars: 3_000,
} as const;

/** A templated title is one line and no longer than the view's own title may be. */
const TITLE_MAX_CHARS = 300;

type Block = { type: string } & Record<string, unknown>;

/**
 * A mrkdwn text object. `verbatim` stops Slack's automatic parsing, which would otherwise
 * turn a bare `@channel`, `#channel` or URL in alert text into a mention or link; the
 * formatting markup still renders.
 */
function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

const FENCE = '```';

function openFence(text: string): boolean {
  return (text.split(FENCE).length - 1) % 2 === 1;
}

/** Where to cut `text` to keep at most `max` code points: a blank line, a line, or a space. */
function cutPoint(text: string, max: number): number {
  const window = [...text].slice(0, max).join('');
  const candidates = [
    window.lastIndexOf('\n\n'),
    window.lastIndexOf('\n'),
    window.lastIndexOf(' '),
  ];
  const cut = candidates.find((index) => index > max / 2) ?? window.length;
  // Never inside an entity such as `&amp;`, which would show as text.
  const entity = /&[#a-zA-Z0-9]*$/.exec(window.slice(0, cut));
  return entity ? entity.index : cut;
}

/**
 * Splits mrkdwn into section texts within Slack's section limit, closing a code fence at
 * the end of a section and reopening it in the next, and at most `maxSections` of them: past
 * that the last section ends with a note saying the rest was cut.
 */
function sectionTexts(body: string, maxSections: number): string[] {
  const limit = SLACK_LIMITS.sectionTextChars - FENCE.length - 2;
  const chunks: string[] = [];
  let rest = body.trim();
  while (rest !== '' && chunks.length < maxSections) {
    if (codePoints(rest) <= limit) {
      chunks.push(rest);
      rest = '';
      break;
    }
    const cut = cutPoint(rest, limit);
    const chunk = rest.slice(0, cut).trimEnd();
    const fenced = openFence(chunk);
    chunks.push(fenced ? `${chunk}\n${FENCE}` : chunk);
    rest = `${fenced ? `${FENCE}\n` : ''}${rest.slice(cut).trim()}`;
  }
  if (rest !== '') {
    const note = escapeSlack(
      truncationNote(`Slack allows ${SLACK_LIMITS.blocks} blocks a message`),
    );
    const last = chunks.pop() ?? '';
    const kept = last.slice(0, cutPoint(last, limit - codePoints(note) - 1)).trimEnd();
    chunks.push(`${kept}${openFence(kept) ? `\n${FENCE}` : ''}\n${note}`);
  }
  return chunks;
}

/**
 * `raw` escaped for mrkdwn within `max` characters. Cut before escaping (entities grow the
 * text), so no `&amp;` is ever cut in half; the note says which limit cut it.
 */
function escapedWithin(raw: string, max: number, limit: string): string {
  let kept = raw;
  let escaped = escapeSlack(kept);
  while (codePoints(escaped) > max) {
    kept = cutText(kept, Math.floor(codePoints(kept) * 0.8), limit);
    escaped = escapeSlack(kept);
  }
  return escaped;
}

function field(label: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) {
    return undefined;
  }
  const limit = `Slack allows ${SLACK_LIMITS.fieldTextChars} characters a field`;
  return mrkdwn(
    `*${escapeSlack(label)}*\n${escapedWithin(value, SLACK_LIMITS.fieldTextChars - label.length - 5, limit)}`,
  );
}

function factFields(view: MessageView): Record<string, unknown>[] {
  const tagText = (groups: MessageView['mitre']) =>
    groups.length > 0
      ? groups.map((group) => `${group.label}: ${group.values.join(', ')}`).join('\n')
      : undefined;
  return [
    field('Rule', `${view.rule.id} (level ${view.rule.level}): ${view.rule.description}`),
    field('Agent', view.agent),
    field('Asset', view.asset),
    field('Time', view.time),
    field('Location', view.location),
    field('MITRE ATT&CK', tagText(view.mitre)),
    field('Compliance', tagText(view.compliance)),
  ]
    .filter((entry) => entry !== undefined)
    .slice(0, SLACK_LIMITS.fields);
}

/**
 * Renders one alert as a Slack Block Kit message, the same body for an incoming webhook and
 * for chat.postMessage (the sender adds `channel` there). Alert text reaches Slack only as
 * escaped, verbatim mrkdwn, plain_text or rich_text text elements, so it can neither mention
 * nor link; link unfurling is off so no preview is fetched for a URL an alert carries.
 *
 * `view` is `input`'s, built by the caller when it renders the alert for several receivers.
 */
export function renderSlack(
  input: MessageInput,
  templates: TemplateSet,
  view: MessageView = buildMessageView(input),
): RenderedSlack {
  const title =
    shortLine(renderPart(templates, 'title', view) ?? view.title, TITLE_MAX_CHARS) ||
    view.rule.description;
  // Without a body template (the shipped one is templates/slack/body.liquid), the summary.
  const body = renderPart(templates, 'body', view) ?? escapeSlack(view.summary);
  const headerNote = '…';
  const header =
    codePoints(title) > SLACK_LIMITS.headerTextChars
      ? `${[...title].slice(0, SLACK_LIMITS.headerTextChars - 1).join('')}${headerNote}`
      : title;

  const priority =
    `*${view.priorityLabel}* priority · score ${view.score}/100` +
    (view.group ? ` · ${view.group.count} alerts` : '');
  const head: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: false } },
    { type: 'context', elements: [mrkdwn(priority)] },
  ];
  const facts = factFields(view);
  const tail: Block[] = [
    ...(facts.length > 0 ? [{ type: 'section', fields: facts }] : []),
    ...(view.gaps.length > 0
      ? [
          {
            type: 'context',
            elements: [
              mrkdwn(
                escapedWithin(
                  `Missing information: ${view.gaps.join('; ')}`,
                  SLACK_LIMITS.contextTextChars,
                  'Slack allows 3000 characters a context element',
                ),
              ),
            ],
          },
        ]
      : []),
    ...(view.logExcerpt === undefined
      ? []
      : [
          {
            type: 'rich_text',
            elements: [
              {
                type: 'rich_text_preformatted',
                elements: [
                  {
                    type: 'text',
                    text: cutText(
                      view.logExcerpt,
                      SLACK_LIMITS.preformattedChars,
                      `Herald shows ${SLACK_LIMITS.preformattedChars} characters of the log in Slack`,
                    ),
                  },
                ],
              },
            ],
          },
        ]),
    {
      type: 'context',
      elements: [
        mrkdwn(escapeSlack(`Explanation written by ${view.explainedBy}`)),
        mrkdwn(escapeSlack(`Herald alert ${view.alertId}`)),
      ],
    },
    ...(view.alertUrl === undefined
      ? []
      : [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'Open in Herald' },
                url: view.alertUrl,
              },
            ],
          },
        ]),
  ];
  const room = SLACK_LIMITS.blocks - head.length - tail.length;
  const sections = sectionTexts(body, room).map((text): Block => ({
    type: 'section',
    text: mrkdwn(text),
  }));
  const fallback = escapedWithin(
    `[${view.priorityLabel}] ${title}`,
    SLACK_LIMITS.textChars,
    'Slack notification text',
  );

  return {
    channel: 'slack',
    payload: {
      text: fallback,
      blocks: [...head, ...sections, ...tail],
      // No parsing of the top-level text either (chat.postMessage and incoming webhooks).
      parse: 'none',
      link_names: false,
      unfurl_links: false,
      unfurl_media: false,
    },
  };
}
