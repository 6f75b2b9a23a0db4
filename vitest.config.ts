import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics', 'testing'];

// Cross-package imports resolve to source, so `pnpm test` needs no build first.
const alias = Object.fromEntries(
  packages.map((name) => [
    `@breakwater/${name}`,
    fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
  ]),
);

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
