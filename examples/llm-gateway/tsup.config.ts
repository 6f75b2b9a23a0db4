import { defineConfig } from 'tsup';

// The production build: every source file compiled on its own (no bundle), so `dist/` keeps the
// layout of `src/` and the paths it reads relative to itself (`public/`, the package folder).
// Run it with `pnpm start:prod`; `pnpm start` compiles on the fly instead (tsx), which suits a
// first try but pays for it on every request (tsx keeps function names with a wrapper around
// every function it creates).
export default defineConfig({
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  bundle: false,
  format: ['esm'],
  dts: false,
  sourcemap: false,
  clean: true,
  target: 'node20',
  tsconfig: '../../tsconfig.base.json',
});
