import { RenderedEmailSchema } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { describe, expect, test } from 'vitest';
import { escapeHtml } from '../templates/escape.ts';
import { renderEmail } from './render.ts';
import { TRUNCATION_MARKER } from '../message/sanitize.ts';
import { SUBJECT_MAX_CHARS } from './subject.ts';
import { corpusAlerts, emailInputFor } from '../test-fixtures.ts';

const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;

type AlertOverrides = Omit<Partial<WazuhAlert>, 'rule'> & { rule?: Partial<WazuhAlert['rule']> };

function baseAlert(overrides: AlertOverrides): WazuhAlert {
  return {
    timestamp: '2024-03-01T10:00:00.000+0000',
    id: '1709287200.1',
    agent: { id: '001', name: 'web-01', ip: '10.0.0.5' },
    manager: { name: 'wazuh-manager' },
    location: '/var/log/auth.log',
    full_log: 'Mar  1 10:00:00 web-01 sshd[1]: Failed password for root',
    ...overrides,
    rule: {
      id: '5712',
      level: 10,
      description: 'sshd: brute force trying to get access to the system.',
      ...overrides.rule,
    },
  };
}

function expectWellFormed(email: ReturnType<typeof renderEmail>): void {
  for (const value of [email.subject, email.text, email.html, ...Object.values(email.headers)]) {
    expect(value.isWellFormed()).toBe(true);
    expect(value).not.toContain('\u0000');
  }
}

describe('renderEmail over the corpus', () => {
  const alerts = corpusAlerts();

  test('the corpus is loaded', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(25);
  });

  test.each(alerts.map(({ line, alert }) => ({ line, alert })))(
    'corpus line $line renders',
    ({ alert }) => {
      const input = emailInputFor(alert);
      const email = renderEmail(input);
      const agentName = alert.agent?.name ?? '';

      expect(RenderedEmailSchema.parse(email)).toEqual(email);
      expect(email.subject).not.toMatch(LINE_BREAK);
      expect(email.subject).toContain(`(rule ${alert.rule.id}, level ${alert.rule.level})`);
      expect([...email.subject].length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);

      for (const body of [email.text, email.html]) {
        const escape = body === email.html ? escapeHtml : (value: string) => value;
        expect(body).toContain(escape(alert.rule.id));
        expect(body).toContain(`level ${alert.rule.level}`);
        expect(body).toContain(escape(alert.rule.description));
        expect(body).toContain(escape(agentName));
        expect(body).toContain(escape(input.analysis.summary));
      }
      expect(email.headers).toEqual({
        'X-Herald-Alert-Id': 'a1b2c3',
        'X-Herald-Rule-Id': alert.rule.id,
        'X-Herald-Rule-Level': String(alert.rule.level),
        'X-Herald-Priority': input.analysis.priority,
      });
    },
  );
});

describe('renderEmail content', () => {
  test('subject names priority, title, rule and level', () => {
    const alert = baseAlert({});
    const input = emailInputFor(alert);
    input.analysis.title = 'SSH brute force against web-01';
    expect(renderEmail(input).subject).toBe(
      '[Herald HIGH] SSH brute force against web-01 (rule 5712, level 10)',
    );
  });

  test('bodies carry score, reasons, steps, agent details, time, location, gaps and ids', () => {
    const alert = baseAlert({
      rule: {
        mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] },
        pci_dss: ['10.2.4'],
        gdpr: ['IV_35.7.d'],
      },
    });
    const input = {
      ...emailInputFor(alert, 'alert-42'),
      publicUrl: 'https://herald.example.com/base/',
    };
    input.enrichment.agent.os = { name: 'Ubuntu', version: '22.04', arch: 'x86_64' };
    input.enrichment.asset = { criticality: 'high', owner: 'Dana', team: 'web' };
    input.enrichment.missing.push({ source: 'inventory', reason: 'file not found' });
    input.analysis.explainedBy = 'llm';

    const email = renderEmail(input);
    for (const body of [email.text, email.html]) {
      expect(body).toContain('60/100');
      expect(body).toContain('rule level 10');
      expect(body).toContain('Check whether the activity was expected.');
      expect(body).toContain(input.analysis.whyItMatters);
      expect(body).toContain('web-01 (id 001, IP 10.0.0.5, Ubuntu 22.04 x86_64)');
      expect(body).toContain('criticality high, owner Dana, team web');
      expect(body).toContain('2024-03-01 10:00:00 UTC');
      expect(body).toContain('/var/log/auth.log');
      expect(body).toContain('T1110');
      expect(body).toContain('Credential Access');
      expect(body).toContain('10.2.4');
      expect(body).toContain('IV_35.7.d');
      expect(body).toContain('a language model');
      expect(body).toContain(
        'Wazuh API unavailable: agent details are from the alert only (connection refused)',
      );
      expect(body).toContain('Asset inventory unavailable');
      expect(body).toContain('Failed password for root');
      expect(body).toContain('alert-42');
      expect(body).toContain('https://herald.example.com/base/v1/alerts/alert-42');
    }
    expect(email.html).toContain('href="https://herald.example.com/base/v1/alerts/alert-42"');
    expect(email.html).toContain('<meta charset="utf-8" />');
  });

  test('rules-written explanations say so, and no link without a public URL', () => {
    const email = renderEmail(emailInputFor(baseAlert({})));
    expect(email.text).toContain("written by Herald's built-in rules");
    expect(email.text).not.toContain('/v1/alerts/');
  });

  test('a manager alert names the manager itself', () => {
    const input = emailInputFor(baseAlert({ agent: { id: '000', name: 'wazuh-manager' } }));
    const email = renderEmail(input);
    expect(email.text).toContain('the Wazuh manager itself (wazuh-manager)');
    expect(email.html).toContain('the Wazuh manager itself (wazuh-manager)');
  });

  test('an agentless alert names the host', () => {
    const { agent: _agent, ...withoutAgent } = baseAlert({});
    const alert: WazuhAlert = { ...withoutAgent, agentless: { host: 'root@10.0.0.9' } };
    const email = renderEmail(emailInputFor(alert));
    expect(email.text).toContain('agentless host root@10.0.0.9');
  });

  test('rejects a line break in from/to and an empty receiver list', () => {
    const input = emailInputFor(baseAlert({}));
    expect(() => renderEmail({ ...input, from: 'a@example.com\r\nBcc: x@example.com' })).toThrow(
      RangeError,
    );
    expect(() => renderEmail({ ...input, to: [] })).toThrow(RangeError);
    expect(() => renderEmail({ ...input, publicUrl: 'javascript:alert(1)' })).toThrow(RangeError);
  });
});

describe('renderEmail with hostile alerts', () => {
  test('<script> in full_log and rule.description is escaped in HTML', () => {
    const payload = '<script>alert(1)</script>';
    const alert = baseAlert({ full_log: `GET /?q=${payload}`, rule: { description: payload } });
    const email = renderEmail(emailInputFor(alert));

    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('GET /?q=&lt;script&gt;');
    expect(email.text).toContain(payload);
  });

  test('quotes in values cannot break out of attributes', () => {
    const alert = baseAlert({ rule: { description: `x" onmouseover="alert(1)' y` } });
    const email = renderEmail(emailInputFor(alert));
    expect(email.html).not.toContain('" onmouseover="');
    expect(email.html).toContain('x&quot; onmouseover=&quot;alert(1)&#39; y');
  });

  test('CRLF + Bcc in rule.description stays out of the subject and headers', () => {
    const alert = baseAlert({
      rule: {
        id: '5712\r\nBcc: y@example.com',
        description: 'boom\r\nBcc: x@example.com\r\n\r\nbody',
      },
    });
    const email = renderEmail(emailInputFor(alert));

    expect(email.subject).not.toMatch(LINE_BREAK);
    expect(email.subject).toContain('boom Bcc: x@example.com body');
    for (const [name, value] of Object.entries(email.headers)) {
      expect(name).toMatch(/^X-Herald-/);
      expect(value).toMatch(/^[\x20-\x7E]+$/);
    }
    expect(Object.keys(email.headers).map((name) => name.toLowerCase())).not.toContain('bcc');
    expect(email.headers['X-Herald-Rule-Id']).toBe('5712 Bcc: y@example.com');
  });

  test('NUL and a lone surrogate do not break output', () => {
    const alert = baseAlert({
      full_log: 'before\u0000after \uD800 end',
      rule: { description: 'desc\u0000with\uDBFFnul' },
    });
    const email = renderEmail(emailInputFor(alert));

    expectWellFormed(email);
    expect(email.subject).toContain('desc\uFFFDwith\uFFFDnul');
    expect(email.text).toContain('before\uFFFDafter \uFFFD end');
    expect(email.html).toContain('before\uFFFDafter \uFFFD end');
  });

  test('terminal escapes and bidi overrides are stripped from bodies', () => {
    const alert = baseAlert({ full_log: 'ok\u001b[2J\u202Egnp.exe' });
    const email = renderEmail(emailInputFor(alert));
    expect(email.text).toContain('ok[2Jgnp.exe');
    expect(email.html).not.toContain('\u001b');
    expect(email.html).not.toContain('\u202E');
  });

  test('a 1 MB full_log is truncated with the marker', () => {
    const alert = baseAlert({ full_log: `${'A'.repeat(1024 * 1024)}TAIL` });
    const email = renderEmail(emailInputFor(alert));

    expect(email.text).toContain(`AAAA${TRUNCATION_MARKER}`);
    expect(email.html).toContain(`AAAA${TRUNCATION_MARKER}`);
    expect(email.text).not.toContain('TAIL');
    expect(email.text.length).toBeLessThan(20_000);
    expect(email.html.length).toBeLessThan(40_000);
  });

  test('a huge description is capped in the subject and the bodies', () => {
    const alert = baseAlert({ rule: { description: 'D'.repeat(100_000) } });
    const email = renderEmail(emailInputFor(alert));

    expect([...email.subject].length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
    expect(email.subject).toMatch(/D… \(rule 5712, level 10\)$/);
    expect(email.text).toContain(`DDD${TRUNCATION_MARKER}`);
    expect(email.text.length).toBeLessThan(20_000);
  });

  test('{{7*7}} stays literal everywhere', () => {
    const alert = baseAlert({ full_log: 'user={{7*7}} ${7*7}', rule: { description: '{{7*7}}' } });
    const email = renderEmail(emailInputFor(alert));

    expect(email.subject).toContain('{{7*7}}');
    expect(email.text).toContain('user={{7*7}} ${7*7}');
    expect(email.html).toContain('user={{7*7}} ${7*7}');
    expect(email.text).not.toContain('49');
  });
});
