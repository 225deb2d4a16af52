/** The servers `npm test` started; a test run outside it says how to get them. */
export function testServers(): { databaseUrl: string; redisUrl: string; node: string } {
  const databaseUrl = process.env.HERALD_TEST_DATABASE_URL;
  const redisUrl = process.env.HERALD_TEST_REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error(
      'HERALD_TEST_DATABASE_URL and HERALD_TEST_REDIS_URL are not set: run the tests with ' +
        '`npm test` (add a file path to run one file), which starts PostgreSQL and Redis',
    );
  }
  return { databaseUrl, redisUrl, node: process.env.HERALD_TEST_NODE ?? process.execPath };
}
