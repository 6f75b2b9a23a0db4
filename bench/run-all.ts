/**
 * Runs every benchmark section in one process, one after another, and writes
 * docs/benchmarks.md. Each section module default-exports an async function that
 * returns its Markdown. Run one alone with `BENCH=rate-limit pnpm bench`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineLine } from './lib/measure.js';

const sections = ['circuit-breaker', 'rate-limit', 'llm-stream', 'metrics', 'gateway'];
const only = process.env.BENCH?.split(',');

const parts: string[] = [];
for (const name of sections) {
  if (only && !only.includes(name)) continue;
  const file = fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url));
  if (!existsSync(file)) continue;
  console.log(`\n▶ ${name}`);
  const module = (await import(pathToFileURL(file).href)) as { default: () => Promise<string> };
  const markdown = await module.default();
  console.log(markdown);
  parts.push(markdown);
}

const header = `# Benchmarks

Numbers from \`pnpm bench\`: every peer measured in the same run on the same machine, shown as
ratios so they travel between machines better than raw numbers do. Re-run them on your own
hardware before you rely on them.

How to run: \`pnpm bench\` builds the packages, runs every section (about 5 minutes; Redis
sections start their own \`redis-server\`) and rewrites this file. One section alone, without
rewriting it: \`pnpm build && BENCH=rate-limit pnpm --filter @breakwater/bench run bench\`
(sections: circuit-breaker, rate-limit, llm-stream, metrics, gateway). Run on an idle machine:
the ratios hold up under load better than raw numbers, but not perfectly.

Machine: ${machineLine()}. Generated ${new Date().toISOString().slice(0, 10)}.
`;

if (!only) {
  const target = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  await writeFile(target, `${header}\n${parts.join('\n\n')}\n`);
  console.log(`\nwrote ${target}`);
}
