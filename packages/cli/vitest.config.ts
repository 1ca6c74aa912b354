import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@datomkit/source'] },
  ssr: { resolve: { conditions: ['@datomkit/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    testTimeout: 60_000,
  },
});
