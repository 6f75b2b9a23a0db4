import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics', 'testing'];

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Cross-package imports resolve to source, so `pnpm test` needs no build first. Subpath
// entries come first: an alias also matches the imports that start with it and a slash.
const alias = [
  { find: '@breakwater/metrics/tracing', replacement: source('metrics/src/tracing.ts') },
  ...packages.map((name) => ({
    find: `@breakwater/${name}`,
    replacement: source(`${name}/src/index.ts`),
  })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
    ],
    globalSetup: ['./packages/testing/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn servers; two cores cannot run many files at once well.
    maxWorkers: 2,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
