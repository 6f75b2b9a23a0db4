import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE_TIMEOUT_MS = 30_000;

/** Runs a probe script with `clockModulePath` in a fresh process; parses the JSON line it prints. */
async function runProbe<T>(probe: string, clockModulePath: string): Promise<T> {
  const script = fileURLToPath(new URL(probe, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, clockModulePath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A hung probe must not outlive the test run.
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    const [code, signal] = await once(child, 'exit');
    if (code !== 0) throw new Error(`${probe} exited with ${code ?? signal}`);
    return JSON.parse(output) as T;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Reads a per-turn clock (a module exporting `turnClock()`) before and after a 100 ms idle wait
 * for I/O, in a fresh process: a test runner's own loop is never idle, so the bug this catches
 * (a cached reading served after the loop slept in its poll phase) only shows in a quiet one.
 */
export function readAcrossIdleWait(
  clockModulePath: string,
): Promise<{ asked: number; answered: number }> {
  return runProbe('./idle-wait-probe.ts', clockModulePath);
}

/**
 * How often a fresh process emits `beforeExit` when its handler reads a per-turn clock (capped
 * at 50): 1 means the clock scheduled nothing that kept the process going.
 */
export async function countBeforeExit(clockModulePath: string): Promise<number> {
  const { fired } = await runProbe<{ fired: number }>('./before-exit-probe.ts', clockModulePath);
  return fired;
}
