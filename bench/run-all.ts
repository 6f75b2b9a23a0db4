/**
 * Runs every benchmark section, one after another and each in a fresh process, and writes
 * docs/benchmarks.md. Each section module default-exports an async function that
 * returns its Markdown. Run one alone with `BENCH=rate-limit pnpm bench`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineLine } from './lib/measure.js';

const sections = [
  'circuit-breaker',
  'rate-limit',
  'concurrency',
  'llm-stream',
  'metrics',
  'gateway',
];

// Child mode: run one section and write its Markdown where the parent asked.
const child = process.env.BREAKWATER_BENCH_SECTION;
if (child) {
  const file = fileURLToPath(new URL(`./${child}.bench.ts`, import.meta.url));
  const module = (await import(pathToFileURL(file).href)) as { default: () => Promise<string> };
  await writeFile(process.env.BREAKWATER_BENCH_OUTPUT!, await module.default());
  process.exit(0);
}

const only = process.env.BENCH?.split(',');
const scratch = mkdtempSync(join(tmpdir(), 'breakwater-bench-'));
const parts: string[] = [];
try {
  for (const name of sections) {
    if (only && !only.includes(name)) continue;
    if (!existsSync(fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url)))) continue;
    console.log(`\n▶ ${name}`);
    // Each section in a fresh process: JIT feedback and heap left by one section (a 10,000-key
    // cache, megamorphic call sites) would otherwise slow the next one and skew its ratios.
    const output = join(scratch, `${name}.md`);
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, BREAKWATER_BENCH_SECTION: name, BREAKWATER_BENCH_OUTPUT: output },
    });
    if (run.status !== 0) throw new Error(`bench section ${name} failed (exit ${run.status})`);
    const markdown = readFileSync(output, 'utf8');
    console.log(markdown);
    parts.push(markdown);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const header = `# Benchmarks

Numbers from \`pnpm bench\`: every peer measured in the same run on the same machine, shown as
ratios so they travel between machines better than raw numbers do. Re-run them on your own
hardware before you rely on them.

How to run: \`pnpm bench\` builds the packages and the example gateway (the gateway sections
run its compiled \`dist/main.js\`), runs every section, each in a fresh process
(about 5 minutes; Redis sections start their own \`redis-server\`), and rewrites this file. One section alone, without
rewriting it: \`pnpm build && BENCH=rate-limit pnpm --filter @breakwater/bench run bench\`
(sections: circuit-breaker, rate-limit, concurrency, llm-stream, metrics, gateway). Run on an idle machine:
the ratios hold up under load better than raw numbers, but not perfectly. The gateway at scale
(thousands of concurrent streams, about 8 minutes) has its own run, \`pnpm bench:scale\`, and its
own page: [benchmarks-scale.md](benchmarks-scale.md). Where the gateway's CPU goes and why, feature
by feature: [gateway-performance.md](gateway-performance.md).

Machine: ${machineLine()}. Generated ${new Date().toISOString().slice(0, 10)}.
`;

if (!only) {
  const target = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  await writeFile(target, `${header}\n${parts.join('\n\n')}\n`);
  console.log(`\nwrote ${target}`);
}
