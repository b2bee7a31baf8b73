import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start their own servers on ephemeral ports, so files may run in parallel.
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
