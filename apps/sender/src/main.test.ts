// The sender process as deployed: main.ts with a config file naming a rate-limited Slack
// webhook and a signed webhook (its secret read from the environment), against the
// test's PostgreSQL and Redis.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { test } from '@herald/db/testing';
import { readBreakerStates } from '@herald/streams';
import { testServers, waitFor } from '@herald/testkit';
import { rendered } from './channel-test-support.ts';
import { alertWithDeliveries, deliveryRows } from './test-support.ts';
import {
  startFakeSlack,
  startFakeWebhookReceiver,
  WEBHOOK_SECRET,
} from './transports/provider-test-servers.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

test(
  'main.ts delivers by its config file, keeps the receiver rate limit, and stops cleanly on SIGTERM',
  { timeout: 60_000 },
  async ({ db, databaseUrl, redis: { redis, url, namespace } }) => {
    const slack = await startFakeSlack({ intervalMs: 1_000 });
    const hook = await startFakeWebhookReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'herald-sender-main-'));
    const config = join(dir, 'herald.yaml');
    await writeFile(
      config,
      [
        'receivers:',
        '  - name: chat',
        '    slack:',
        `      webhook_url: ${slack.webhookUrl}`,
        '    rate_limit: { messages: 1, per: 1s }',
        '  - name: hook',
        '    webhook:',
        `      url: ${hook.hookUrl}`,
        '      secret: ${HOOK_SECRET}',
        'route:',
        '  receiver: chat',
        '',
      ].join('\n'),
    );
    const alerts = [
      await alertWithDeliveries(db, { chat: rendered.slack('first') }),
      await alertWithDeliveries(db, { chat: rendered.slack('second'), hook: rendered.webhook() }),
    ];
    const ids = alerts.map((alert) => alert.id);
    await db.pool.query(`UPDATE alerts SET state = 'formatted' WHERE id = ANY($1::uuid[])`, [ids]);

    const child = spawn(testServers().node, [MAIN], {
      env: {
        DATABASE_URL: databaseUrl,
        REDIS_URL: url,
        HERALD_REDIS_NAMESPACE: namespace,
        HERALD_REPLICA: 'main-test',
        HERALD_CONFIG: config,
        HOOK_SECRET: WEBHOOK_SECRET,
        HERALD_MAILBOX_DIR: join(dir, 'mailbox'),
        OPS_PORT: '0',
        HERALD_BLOCK_MS: '50',
        HERALD_SWEEP_INTERVAL_MS: '50',
        HERALD_HANDOFF_GRACE_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(
        'both alerts sent',
        async () =>
          (
            await db.pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM alerts WHERE id = ANY($1::uuid[]) AND state = 'sent'`,
              [ids],
            )
          ).rows[0]!.n === 2,
        { timeoutMs: 40_000, intervalMs: 100 },
      );
      // Its breakers are on the board every replica publishes to (GET /v1/breakers).
      await waitFor(
        'the sender breakers published',
        async () => {
          const board = await readBreakerStates(redis, namespace, Date.now());
          const mine = board.filter((breaker) => breaker.replica === 'main-test');
          return mine.map((breaker) => breaker.destination).includes('slack:chat');
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await Promise.all([slack.close(), hook.close(), rm(dir, { recursive: true, force: true })]);
    }

    expect(slack.posted.map((m) => m.text).toSorted()).toEqual(['first', 'second']);
    // The receiver's rate limit held one of the two back (a deferral naming it).
    const deferred = await db.pool.query<{ reason: string }>(
      `SELECT reason FROM alert_transitions WHERE alert_id = ANY($1::uuid[]) AND reason LIKE '%rate limited%'`,
      [ids],
    );
    expect(deferred.rows[0]?.reason).toMatch(
      /^chat: slack:chat rate limited, next message in \d+ ms/,
    );
    expect(hook.accepted).toHaveLength(1);
    expect(await deliveryRows(db, ids[1]!)).toMatchObject([
      { receiver: 'chat', status: 'delivered', receipt: { transport: 'slack-webhook' } },
      { receiver: 'hook', status: 'delivered', receipt: { transport: 'webhook', status: 200 } },
    ]);
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.msg === 'receivers loaded')).toMatchObject({
      receivers: ['chat', 'hook'],
    });
    expect(stdout).not.toContain(WEBHOOK_SECRET);
  },
);
