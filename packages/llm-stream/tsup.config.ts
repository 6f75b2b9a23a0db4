import { defineConfig } from 'tsup';

export default defineConfig({
  // The AI SDK integration is its own entry, so code that never imports it never loads it.
  entry: { index: 'src/index.ts', 'ai-sdk': 'src/ai-sdk/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the output is unminified and keeps names and line structure, so stack
  // traces read as they are; maps with embedded sources were ~58% of the install size.
  sourcemap: false,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.json',
});
