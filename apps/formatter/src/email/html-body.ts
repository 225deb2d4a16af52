import type { Priority } from '@herald/contracts';
import { html, multiline, type SafeHtml } from './html.ts';
import type { MessageView, TagGroup } from '../message/view.ts';

// Mail clients ignore <style> blocks and most modern CSS, so the layout is nested tables
// with inline styles and web-safe fonts only.

const PRIORITY_COLORS: Record<Priority, string> = {
  critical: '#991b1b',
  high: '#c2410c',
  medium: '#a16207',
  low: '#1d4ed8',
  info: '#4b5563',
};

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const TEXT = `${FONT}font-size:14px;line-height:20px;color:#1f2937;`;
const CELL = `${TEXT}padding:8px 24px;`;
const HEADING = `${FONT}font-size:15px;font-weight:bold;color:#111827;margin:0 0 4px 0;`;
const LABEL = `${TEXT}padding:2px 12px 2px 0;color:#6b7280;vertical-align:top;white-space:nowrap;`;
const VALUE = `${TEXT}padding:2px 0;vertical-align:top;word-break:break-word;`;
const PRE =
  'font-family:Consolas,Menlo,monospace;font-size:12px;line-height:16px;color:#111827;' +
  'background:#f3f4f6;padding:8px;margin:0;white-space:pre-wrap;word-break:break-all;';

function block(heading: string, content: SafeHtml): SafeHtml {
  return html`<tr>
    <td style="${CELL}">
      <p style="${HEADING}">${heading}</p>
      ${content}
    </td>
  </tr>`;
}

function list(kind: 'ordered' | 'bullets', items: readonly string[]): SafeHtml {
  const rows = items.map((item) => html`<li style="margin:0 0 4px 0;">${multiline(item)}</li>`);
  const style = `${TEXT}margin:0;padding-left:20px;`;
  return kind === 'ordered'
    ? html`<ol style="${style}">
        ${rows}
      </ol>`
    : html`<ul style="${style}">
        ${rows}
      </ul>`;
}

function detailRow(label: string, value: string | SafeHtml | undefined): SafeHtml | undefined {
  if (value === undefined) {
    return undefined;
  }
  return html`<tr>
    <td style="${LABEL}">${label}</td>
    <td style="${VALUE}">${value}</td>
  </tr>`;
}

function tagRows(groups: readonly TagGroup[]): SafeHtml[] {
  return groups.flatMap((group) => detailRow(group.label, group.values.join(', ')) ?? []);
}

function detailsTable(rows: readonly (SafeHtml | undefined)[]): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0">
    ${rows}
  </table>`;
}

/**
 * The HTML body: a 600px table layout with inline styles, UTF-8, every alert-derived
 * value escaped by the `html` tag.
 */
export function renderHtmlBody(view: MessageView, subject: string): SafeHtml {
  const color = PRIORITY_COLORS[view.priority];
  const alertLink =
    view.alertUrl === undefined
      ? undefined
      : html`<a href="${view.alertUrl}" style="color:#1d4ed8;">${view.alertUrl}</a>`;

  const sections = [
    view.group === undefined ? undefined : block('Repeats', multiline(view.group.text)),
    block('What happened', multiline(view.summary)),
    block('Why it matters', multiline(view.whyItMatters)),
    view.nextSteps.length > 0
      ? block('What to do next', list('ordered', view.nextSteps))
      : undefined,
    view.reasons.length > 0
      ? block(`Why ${view.priorityLabel} priority`, list('bullets', view.reasons))
      : undefined,
    block(
      'Details',
      detailsTable([
        detailRow('Rule', `${view.rule.id} (level ${view.rule.level}): ${view.rule.description}`),
        detailRow('Agent', view.agent),
        detailRow('Asset', view.asset),
        detailRow('Time', view.time),
        detailRow('Location', view.location),
        detailRow('Explanation', `written by ${view.explainedBy}`),
      ]),
    ),
    view.mitre.length > 0 ? block('MITRE ATT&CK', detailsTable(tagRows(view.mitre))) : undefined,
    view.compliance.length > 0
      ? block('Compliance', detailsTable(tagRows(view.compliance)))
      : undefined,
    view.gaps.length > 0 ? block('Missing information', list('bullets', view.gaps)) : undefined,
    view.logExcerpt === undefined
      ? undefined
      : block('Log excerpt', html`<pre style="${PRE}">${view.logExcerpt}</pre>`),
    block(
      'Herald',
      detailsTable([detailRow('Alert id', view.alertId), detailRow('Alert details', alertLink)]),
    ),
  ];

  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${subject}</title>
      </head>
      <body style="margin:0;padding:0;background:#f3f4f6;">
        <table
          role="presentation"
          width="100%"
          cellpadding="0"
          cellspacing="0"
          border="0"
          style="background:#f3f4f6;"
        >
          <tr>
            <td align="center" style="padding:16px 8px;">
              <table
                role="presentation"
                width="600"
                cellpadding="0"
                cellspacing="0"
                border="0"
                style="width:100%;max-width:600px;background:#ffffff;border-top:6px solid ${color};"
              >
                <tr>
                  <td style="${CELL}padding-top:16px;">
                    <p
                      style="${FONT}font-size:12px;font-weight:bold;letter-spacing:1px;color:${color};margin:0;"
                    >
                      ${view.priorityLabel} PRIORITY · SCORE ${view.score}/100
                    </p>
                    <h1
                      style="${FONT}font-size:20px;line-height:26px;color:#111827;margin:4px 0 0 0;"
                    >
                      ${view.title}
                    </h1>
                  </td>
                </tr>
                ${sections}
                <tr>
                  <td style="${CELL}padding-bottom:16px;font-size:12px;color:#6b7280;">
                    Sent by Herald from a Wazuh alert.
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html> `;
}
