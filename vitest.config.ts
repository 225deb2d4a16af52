import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*', 'integrations/*'],
    // Tests talk to real PostgreSQL and Redis; two cores share them with the services
    // that end-to-end tests start.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
