import { defineConfig, type TestUserConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The vitest configuration every package shares: sibling packages resolve to their sources through
 * the `@datomkit/source` condition, and each run writes the JSON report that `.ci/summarize.mjs` sums.
 */
export function packageTestConfig(test: TestUserConfig = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@datomkit/source'] },
    ssr: { resolve: { conditions: ['@datomkit/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest/results.json' },
      testTimeout: 60_000,
      // Test files of a package share their worker processes (no per-file module reload): the
      // packages' sources are imported once per worker instead of once per file, about 40% less CPU
      // for the suite. Tests keep no state between files (no module mocks, temporary folders each).
      isolate: false,
      ...test,
    },
  });
}
