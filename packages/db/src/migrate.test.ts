import { PrismaPg } from '@prisma/adapter-pg';
import { describe, expect } from 'vitest';
import { PrismaClient } from './generated/prisma/client.ts';
import { test } from './testing.ts';
import { applyMigrations, assertMigrationsCurrent, pendingMigrations, readMigrations } from './migrate.ts';

describe('migrations', () => {
  test('a migrated database reports nothing pending and records them as Prisma does', async ({ db }) => {
    expect(await pendingMigrations(db.pool)).toEqual([]);
    await expect(assertMigrationsCurrent(db.pool)).resolves.toBeUndefined();
    const { rows } = await db.pool.query(
      'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  test('alert rows keep their JSON in TOAST, so a state change does not copy it', async ({ db }) => {
    const { rows } = await db.pool.query(`SELECT reloptions FROM pg_class WHERE relname = 'alerts'`);
    expect(rows[0].reloptions).toContain('toast_tuple_target=128');
  });

  test('connections plan each run of a prepared statement for its own values', async ({ db }) => {
    const { rows } = await db.pool.query('SHOW plan_cache_mode');
    expect(rows[0].plan_cache_mode).toBe('force_custom_plan');
  });

  test('applying again is a no-op', async ({ db }) => {
    expect(await applyMigrations(db.pool)).toEqual([]);
  });

  test('a service refuses a database whose migrations are behind, naming them', async ({ db }) => {
    const [first] = readMigrations();
    await db.pool.query('DELETE FROM "_prisma_migrations"');
    await expect(assertMigrationsCurrent(db.pool)).rejects.toThrow(first!.name);
  });

  test('an applied migration that was edited afterwards is refused', async ({ db }) => {
    await db.pool.query(`UPDATE "_prisma_migrations" SET checksum = 'x'`);
    await expect(pendingMigrations(db.pool)).rejects.toThrow(/was changed after it was applied/);
  });

  // The services write SQL of their own; this is what keeps schema.prisma, the model users
  // of Prisma's tools see, in step with the migrations.
  test('the Prisma client reads and writes every model through the migrated schema', async ({ db }) => {
    const prisma = new PrismaClient({ adapter: new PrismaPg(db.pool) });
    const alert = await prisma.alert.create({
      data: {
        id: crypto.randomUUID(),
        identityKey: 'm1/1.1',
        body: { rule: { level: 3 } },
        history: { create: { toState: 'new', service: 'test', replica: 'r1', attempt: 0 } },
        deliveries: {
          create: {
            id: crypto.randomUUID(),
            receiver: 'mailbox',
            channel: 'email',
            messageKey: 'k',
            rendered: { subject: 's' },
          },
        },
      },
      include: { history: true, deliveries: true },
    });
    expect(alert.state).toBe('new');
    expect(alert.history).toHaveLength(1);
    expect(alert.deliveries[0]?.status).toBe('pending');
  });
});
