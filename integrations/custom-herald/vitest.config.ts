import { defineConfig } from 'vitest/config';

// Each test spawns real Python processes (25 for the corpus test), which a loaded 2-core
// machine can take well past vitest's 5 s default to run.
export default defineConfig({
  test: {
    testTimeout: 30_000,
  },
});
