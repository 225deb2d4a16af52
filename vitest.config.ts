import { defineConfig } from 'vitest/config';

// Each folder is its own project with vitest's defaults; projects do not inherit options
// set here, so a suite that needs longer timeouts sets them itself (tests/e2e does).
export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*', 'integrations/*', 'tests/*'],
  },
});
