import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI runs compiled JavaScript: build dist/ once per run so the tests that spawn it run these sources.
    globalSetup: ['test/helpers/build-server.ts'],
    // Each file starts its own servers (influxd, broker, browser); two at a time fit two cores.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
