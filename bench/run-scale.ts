/**
 * Runs the gateway scale benchmark twice, each in a fresh process, and writes
 * docs/benchmarks-scale.md: once with as many concurrent streams as the file-descriptor limit
 * allows at 1 token/s (connections, heap), once with 500 streams at 20 tokens/s (chunk rate,
 * CPU per chunk). About 8 minutes; `pnpm bench:scale`.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { machineLine } from './lib/measure.js';

const runs: ReadonlyArray<Readonly<Record<string, string>>> = [
  // No SCALE_CLIENTS: 10,000 streams, or the most the descriptor limit allows, opened over 20 s.
  { SCALE_TOKENS_PER_SECOND: '1', SCALE_SECONDS: '30', SCALE_CONNECTS_PER_SECOND: '500' },
  { SCALE_CLIENTS: '500', SCALE_TOKENS_PER_SECOND: '20', SCALE_SECONDS: '30' },
];

const bench = fileURLToPath(new URL('./gateway-scale.bench.ts', import.meta.url));
const parts: string[] = [];
for (const settings of runs) {
  console.log(`\n▶ gateway-scale ${JSON.stringify(settings)}`);
  const run = spawnSync(process.execPath, [...process.execArgv, bench], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, ...settings },
  });
  if (run.status !== 0) throw new Error(`gateway-scale failed (exit ${run.status})`);
  console.log(run.stdout);
  parts.push(run.stdout.trim());
}

const header = `# Gateway at scale

Numbers from \`pnpm bench:scale\` (it builds the packages and the example gateway, whose
compiled \`dist/main.js\` it runs; then about 8 minutes): many concurrent SSE streams through one
gateway process, side by side with a bare node:http proxy under the same load. Run on an idle
machine; it needs about two file descriptors per stream in each
relaying process. The request-level gateway numbers are in [benchmarks.md](benchmarks.md);
what the numbers mean and where the CPU per chunk goes: [gateway-performance.md](gateway-performance.md#at-scale).

Machine: ${machineLine()}. Generated ${new Date().toISOString().slice(0, 10)}.
`;

const target = fileURLToPath(new URL('../docs/benchmarks-scale.md', import.meta.url));
await writeFile(target, `${header}\n${parts.join('\n\n')}\n`);
console.log(`\nwrote ${target}`);
