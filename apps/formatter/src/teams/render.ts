import type { Priority, RenderedTeams } from '@herald/contracts';
import { cutText, jsonBytes, truncationNote } from '../message/limits.ts';
import { shortLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput, type MessageView } from '../message/view.ts';
import { escapeMarkdown } from '../templates/escape.ts';
import { renderPart, type TemplateSet } from '../templates/set.ts';

/** Teams refuses a message past about 28 KB; Herald keeps the whole envelope under this. */
export const TEAMS_MAX_BYTES = 27_000;

const CARD_VERSION = '1.5';

/** Adaptive Card text colours that carry the priority at a glance. */
const PRIORITY_COLORS: Record<Priority, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Accent',
  info: 'Default',
};

type Element = Record<string, unknown>;

function textBlock(text: string, extra: Element = {}): Element {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function facts(view: MessageView): Element | undefined {
  const tagText = (groups: MessageView['mitre']) =>
    groups.length > 0
      ? groups.map((group) => `${group.label}: ${group.values.join(', ')}`).join('; ')
      : undefined;
  const rows: [string, string | undefined][] = [
    ['Rule', `${view.rule.id} (level ${view.rule.level}): ${view.rule.description}`],
    ['Agent', view.agent],
    ['Asset', view.asset],
    ['Time', view.time],
    ['Location', view.location],
    ['MITRE ATT&CK', tagText(view.mitre)],
    ['Compliance', tagText(view.compliance)],
  ];
  const shown = rows.flatMap(([title, value]) =>
    value === undefined ? [] : [{ title, value: escapeMarkdown(value) }],
  );
  return shown.length > 0 ? { type: 'FactSet', facts: shown } : undefined;
}

interface CardText {
  title: string;
  body: string;
  logExcerpt: string | undefined;
}

function envelope(view: MessageView, text: CardText): RenderedTeams['payload'] {
  const body: (Element | undefined)[] = [
    textBlock(
      `${view.priorityLabel} priority · score ${view.score}/100${view.group ? ` · ${view.group.count} alerts` : ''}`,
      {
        weight: 'Bolder',
        size: 'Small',
        color: PRIORITY_COLORS[view.priority],
      },
    ),
    textBlock(text.title, { weight: 'Bolder', size: 'Large' }),
    textBlock(text.body),
    facts(view),
    view.gaps.length > 0
      ? textBlock(escapeMarkdown(`Missing information: ${view.gaps.join('; ')}`), {
          isSubtle: true,
        })
      : undefined,
    // A TextRun is never read as Markdown: the log shows exactly as Wazuh wrote it.
    text.logExcerpt === undefined
      ? undefined
      : {
          type: 'RichTextBlock',
          inlines: [
            { type: 'TextRun', text: text.logExcerpt, fontType: 'Monospace', size: 'Small' },
          ],
        },
    textBlock(
      escapeMarkdown(`Explanation written by ${view.explainedBy}. Herald alert ${view.alertId}`),
      {
        isSubtle: true,
        size: 'Small',
      },
    ),
  ];
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard' as const,
    version: CARD_VERSION,
    msteams: { width: 'Full' },
    body: body.filter((element) => element !== undefined),
    actions:
      view.alertUrl === undefined
        ? []
        : [{ type: 'Action.OpenUrl', title: 'Open in Herald', url: view.alertUrl }],
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

/** Shrinks what may be long (the log excerpt first, then the body) until the card fits. */
function fitted(view: MessageView, text: CardText): RenderedTeams['payload'] {
  const limit = `Teams takes about 28 KB a card`;
  let current = text;
  for (let round = 0; round < 8; round += 1) {
    const payload = envelope(view, current);
    const over = jsonBytes(payload) - TEAMS_MAX_BYTES;
    if (over <= 0) {
      return payload;
    }
    // Bytes over the limit, as characters: at most 4 bytes (and 6 JSON bytes) each.
    const drop = Math.ceil(over / 2) + 200;
    if (current.logExcerpt !== undefined && current.logExcerpt.length > 200) {
      current = {
        ...current,
        logExcerpt: cutText(
          current.logExcerpt,
          Math.max(100, current.logExcerpt.length - drop),
          limit,
        ),
      };
    } else {
      const note = escapeMarkdown(truncationNote(limit));
      current = {
        ...current,
        body: `${[...current.body]
          .slice(0, Math.max(0, current.body.length - drop - note.length))
          .join('')
          .replace(/\\+$/, '')}\n\n${note}`,
      };
    }
  }
  return envelope(view, current);
}

/**
 * Renders one alert as a Teams message carrying one Adaptive Card, in the envelope a
 * Workflows (Power Automate) webhook takes. Alert text appears only Markdown-escaped or in
 * TextRuns (never read as Markdown), so it cannot link, mention (`<at>`) or format.
 *
 * `view` is `input`'s, built by the caller when it renders the alert for several receivers.
 */
export function renderTeams(
  input: MessageInput,
  templates: TemplateSet,
  view: MessageView = buildMessageView(input),
): RenderedTeams {
  // One line, and no longer than the view's own title may be (the escapes not counted).
  const title =
    shortLine(renderPart(templates, 'title', view) ?? escapeMarkdown(view.title), 400) ||
    escapeMarkdown(view.rule.description);
  // Without a body template (the shipped one is templates/teams/body.liquid), the summary.
  const body = (renderPart(templates, 'body', view) ?? escapeMarkdown(view.summary)).trim();
  return { channel: 'teams', payload: fitted(view, { title, body, logExcerpt: view.logExcerpt }) };
}
