import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./idle-wait-probe.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Reads a per-turn clock (a module exporting `turnClock()`) before and after a 100 ms idle wait
 * for I/O, in a fresh process: a test runner's own loop is never idle, so the bug this catches
 * (a cached reading served after the loop slept in its poll phase) only shows in a quiet one.
 */
export async function readAcrossIdleWait(
  clockModulePath: string,
): Promise<{ asked: number; answered: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE, clockModulePath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the idle-wait probe exited with ${code}`);
  return JSON.parse(output) as { asked: number; answered: number };
}
