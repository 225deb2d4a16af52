import { test as base } from '@herald/testkit';
import { createDatabase, type Database } from './client.ts';

/** The testkit's `test` plus `db`: a Database on a fresh, migrated test database. */
export const test = base.extend<{ db: Database }>({
  db: async ({ databaseUrl }, use) => {
    const db = createDatabase({ url: databaseUrl, poolMax: 5, applicationName: 'herald-test' });
    await use(db);
    await db.close();
  },
});
