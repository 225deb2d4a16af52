import type { RenderedWebhook } from '@herald/contracts';
import { parseWazuhTimestamp } from '@herald/wazuh';
import { cutText } from '../message/limits.ts';
import { bodyText, oneLine, shortLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput, type MessageView } from '../message/view.ts';
import { renderPart, type TemplateSet } from '../templates/set.ts';

/** The document's version: a change that could break a consumer gets a new one. */
export const WEBHOOK_SCHEMA = 'herald.alert.v1' as const;

const LIMITS = { line: 500, text: 8_000, tag: 80, items: 20 };

function line(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : shortLine(value, LIMITS.line);
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).slice(0, LIMITS.items).map((value) => shortLine(value, LIMITS.tag));
}

/** Drops undefined members so the document has only what is known (JSON has no undefined). */
function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, member]) => member !== undefined),
  ) as T;
}

/**
 * Renders one alert as Herald's generic webhook document (JSON Schema in
 * `apps/formatter/schema/webhook-v1.json`): structured facts for machines plus a
 * templated title and text for people. Built as an object and serialized, never by a
 * string template; every string is cleaned (no NUL, lone surrogate or control character)
 * and capped, and `truncated` names each field that was cut.
 *
 * `view` is `input`'s, built by the caller when it renders the alert for several receivers.
 */
export function renderWebhook(
  input: MessageInput,
  templates: TemplateSet,
  view: MessageView = buildMessageView(input),
): RenderedWebhook {
  const { alert, analysis, enrichment } = input;
  const title =
    shortLine(renderPart(templates, 'title', view) ?? view.title, LIMITS.line) ||
    view.rule.description;
  const text = cutText(
    bodyText(renderPart(templates, 'body', view) ?? view.summary, LIMITS.text + 1).trim(),
    LIMITS.text,
    'webhook text is limited to 8000 characters',
  );
  const time = parseWazuhTimestamp(alert.timestamp);
  const mitre = alert.rule.mitre;
  const compliance = Object.fromEntries(
    (['pci_dss', 'gdpr', 'hipaa', 'nist_800_53', 'tsc', 'gpg13'] as const).flatMap((key) => {
      const values = alert.rule[key];
      return Array.isArray(values) && values.length > 0
        ? [[key, list(values.filter((v): v is string => typeof v === 'string'))]]
        : [];
    }),
  );

  const document = defined({
    schema: WEBHOOK_SCHEMA,
    id: oneLine(input.alertId),
    kind: analysis.group ? 'digest' : 'alert',
    message: defined({
      title,
      text,
      priority: analysis.priority,
      score: view.score,
      explainedBy: analysis.explainedBy,
      url: view.alertUrl,
    }),
    alert: defined({
      wazuhId: line(alert.id),
      timestamp: shortLine(alert.timestamp, LIMITS.tag),
      time: time?.toISOString(),
      rule: defined({
        id: shortLine(alert.rule.id, LIMITS.tag),
        level: alert.rule.level,
        description: view.rule.description,
        groups: list(alert.rule.groups),
        mitre: {
          ids: list(mitre?.id),
          tactics: list(mitre?.tactic),
          techniques: list(mitre?.technique),
        },
        compliance,
      }),
      agent: defined({
        kind: enrichment.kind,
        id: line(enrichment.agent.id ?? alert.agent?.id),
        name: line(enrichment.agent.name ?? alert.agent?.name ?? alert.agentless?.host),
        ip: line(enrichment.agent.ip ?? alert.agent?.ip),
        description: view.agent,
      }),
      manager: line(alert.manager?.name),
      location: view.location,
      logExcerpt: view.logExcerpt,
    }),
    analysis: {
      family: analysis.family,
      priority: analysis.priority,
      score: analysis.score,
      title: view.title,
      summary: view.summary,
      whyItMatters: view.whyItMatters,
      nextSteps: view.nextSteps,
      reasons: view.reasons,
      explainedBy: analysis.explainedBy,
    },
    enrichment: defined({
      asset:
        enrichment.asset &&
        defined({
          criticality: enrichment.asset.criticality,
          owner: line(enrichment.asset.owner),
          team: line(enrichment.asset.team),
        }),
      sources: list(enrichment.sources),
      missing: view.gaps,
    }),
    group: analysis.group && {
      groupId: shortLine(analysis.group.groupId, LIMITS.line),
      sequence: analysis.group.sequence,
      count: analysis.group.count,
      firstAt: shortLine(analysis.group.firstAt, LIMITS.tag),
      lastAt: shortLine(analysis.group.lastAt, LIMITS.tag),
      labels: Object.fromEntries(
        Object.entries(analysis.group.labels)
          .slice(0, LIMITS.items)
          .map(([key, value]) => [shortLine(key, LIMITS.tag), shortLine(value, LIMITS.line)]),
      ),
      agents: list(analysis.group.agents),
      alertIds: list(analysis.group.alertIds),
    },
  });
  return { channel: 'webhook', payload: { ...document, truncated: truncatedFields(document) } };
}

// Both marks start so: the view's `… (truncated)` and the limits' `… (truncated: why)`.
const TRUNCATION_PREFIX = '… (truncated';

/** JSON pointers (RFC 6901) of every string that carries a truncation mark. */
function truncatedFields(value: unknown, pointer = ''): string[] {
  if (typeof value === 'string') {
    return value.includes(TRUNCATION_PREFIX) ? [pointer] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => truncatedFields(item, `${pointer}/${index}`));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) =>
      truncatedFields(member, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
    );
  }
  return [];
}
