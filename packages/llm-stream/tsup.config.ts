import { defineConfig } from 'tsup';

export default defineConfig({
  // The AI SDK integration is its own entry, so code that never imports it never loads it.
  entry: { index: 'src/index.ts', 'ai-sdk': 'src/ai-sdk/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.json',
});
