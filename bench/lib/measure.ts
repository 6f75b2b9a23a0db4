import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Bench } from 'tinybench';

/** One measured task: operations per second and per-operation latency. */
export interface Measurement {
  readonly name: string;
  readonly opsPerSecond: number;
  /** Mean time of one operation in nanoseconds. */
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly samples: number;
}

/** Options for {@link measureAll}. */
export interface MeasureOptions {
  /** Time budget per task in milliseconds. @default 1000 */
  readonly timeMs?: number;
  /** Warm-up time per task in milliseconds. @default 200 */
  readonly warmupMs?: number;
}

/**
 * Measures several tasks in one tinybench run, so they share the same machine state and
 * can be compared as ratios. Tasks may be sync or async.
 */
export async function measureAll(
  tasks: Record<string, () => unknown>,
  options: MeasureOptions = {},
): Promise<Measurement[]> {
  const bench = new Bench({
    time: options.timeMs ?? 1000,
    warmupTime: options.warmupMs ?? 200,
  });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result as unknown as {
      throughput?: { mean: number };
      latency?: { mean: number; p50?: number; p99?: number; samplesCount?: number };
    };
    const latencyMs = result.latency;
    return {
      name: task.name,
      opsPerSecond: result.throughput?.mean ?? 0,
      meanNs: (latencyMs?.mean ?? 0) * 1e6,
      p50Ns: (latencyMs?.p50 ?? 0) * 1e6,
      p99Ns: (latencyMs?.p99 ?? 0) * 1e6,
      samples: latencyMs?.samplesCount ?? 0,
    };
  });
}

/** Runs `count` awaited calls one after another: one measured iteration of a batch. */
export async function sequential(
  count: number,
  call: (index: number) => Promise<unknown>,
): Promise<void> {
  for (let index = 0; index < count; index++) await call(index);
}

/**
 * Measures the tasks twice, the second time in reverse order, and keeps each task's better
 * run: a busy machine then slows every task alike instead of whichever ran at the wrong time.
 * `perIteration` turns iterations per second into calls per second (a batch's size).
 */
export async function bestOfTwo(
  tasks: Record<string, () => unknown>,
  options: MeasureOptions,
  perIteration: (name: string) => number,
): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  const reversed = Object.fromEntries(Object.entries(tasks).reverse());
  for (const round of [tasks, reversed]) {
    for (const result of await measureAll(round, options)) {
      const ops = result.opsPerSecond * perIteration(result.name);
      best[result.name] = Math.max(best[result.name] ?? 0, ops);
    }
  }
  return best;
}

/** Formats a number of operations per second for a table (e.g. `1,234,567`). */
export function formatOps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats a ratio with two decimals and a trailing `×`. */
export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Renders a GitHub-flavoured Markdown table. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One line naming the machine the numbers came from. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`;
}

/** The version of a package installed for the benchmarks (a peer in a table). */
export function installedVersion(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
