import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCorpus } from '@herald/testkit';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../dispatch.ts';
import { captured, folderWith } from './config-test-support.ts';
import { PREVIEW_ALERT_ID, templateCommand } from './template.ts';

const CONFIG = `receivers:
  - name: soc-email
    email: { to: [soc@example.com] }
  - name: soc-slack
    slack: { webhook_url: 'http://127.0.0.1:9/hook' }
    template: slack-templates
  - name: oncall
    pagerduty: { routing_key: 'k' }
  - name: broken
    teams: { webhook_url: 'http://127.0.0.1:9/teams' }
    template: broken.liquid
route:
  receiver: soc-email
`;

/** A config folder: the file above, a Slack template folder and a broken Teams template. */
async function setup(): Promise<string> {
  const alert = loadCorpus()[0]!.alert as { rule: Record<string, unknown> };
  const hostile = { ...alert, rule: { ...alert.rule, description: '<!channel> {{7*7}}' } };
  const dir = await folderWith({
    'herald.yaml': CONFIG,
    'alert.json': JSON.stringify(hostile),
    'broken.liquid': '{% if %}',
  });
  await mkdir(join(dir, 'slack-templates'));
  await writeFile(
    join(dir, 'slack-templates', 'body.liquid'),
    'Custom: {{ rule.description }} via {{ explainedBy }}',
  );
  return dir;
}

const run = (args: string[], cwd: string, env: Record<string, string> = {}) => {
  const io = captured(env, cwd);
  return { io, done: dispatch([templateCommand], ['template', ...args], io.io) };
};

describe('herald template preview', () => {
  it("writes the Slack body the receiver's template makes, alert text escaped", async () => {
    const dir = await setup();
    const { io, done } = run(
      ['preview', 'soc-slack', 'alert.json', '--config', 'herald.yaml'],
      dir,
    );
    expect(await done).toBe(0);
    const payload = JSON.parse(io.out());
    const texts = JSON.stringify(payload.blocks);
    expect(texts).toContain("Custom: &lt;!channel&gt; {{7*7}} via Herald's built-in rules");
    expect(texts).not.toContain('Custom: <!channel>');
    expect(payload.text).toMatch(/^\[(CRITICAL|HIGH|MEDIUM|LOW|INFO)\] /);
  });

  it('writes the email to --out, with links to HERALD_PUBLIC_URL', async () => {
    const dir = await setup();
    const { done } = run(
      ['preview', 'soc-email', 'alert.json', '--config', 'herald.yaml', '--out', 'mail.json'],
      dir,
      {
        HERALD_PUBLIC_URL: 'https://herald.example.com',
      },
    );
    expect(await done).toBe(0);
    const email = JSON.parse(await readFile(join(dir, 'mail.json'), 'utf8'));
    expect(email).toMatchObject({
      channel: 'email',
      to: ['soc@example.com'],
      from: 'Herald <herald@localhost>',
    });
    expect(email.subject).toContain('(rule 5712, level 10)');
    expect(email.html).toContain(`https://herald.example.com/v1/alerts/${PREVIEW_ALERT_ID}`);
    expect(email.html).toContain('&lt;!channel&gt;');
  });

  it('writes the PagerDuty event without a routing key', async () => {
    const dir = await setup();
    const { io, done } = run(['preview', 'oncall', 'alert.json', '--config', 'herald.yaml'], dir);
    expect(await done).toBe(0);
    const event = JSON.parse(io.out());
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: `herald/alert/${PREVIEW_ALERT_ID}`,
    });
    expect(event).not.toHaveProperty('routing_key');
  });

  it('names the receivers when the one asked for does not exist', async () => {
    const dir = await setup();
    const { io, done } = run(['preview', 'nobody', 'alert.json', '--config', 'herald.yaml'], dir);
    expect(await done).toBe(1);
    expect(io.err()).toContain("no receiver named 'nobody'");
    expect(io.err()).toContain('soc-email, soc-slack, oncall, broken');
  });

  it('names the template file that does not parse', async () => {
    const dir = await setup();
    const { io, done } = run(['preview', 'broken', 'alert.json', '--config', 'herald.yaml'], dir);
    expect(await done).toBe(1);
    expect(io.err()).toContain(join(dir, 'broken.liquid'));
  });

  it('is a usage error without a receiver and an alert file', async () => {
    const dir = await setup();
    const { io, done } = run(['preview', 'soc-email'], dir);
    expect(await done).toBe(2);
    expect(io.err()).toContain('usage: herald template preview');
  });
});
