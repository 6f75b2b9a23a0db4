/** Child processes of the gateway benchmarks: starting servers and reading their CPU time. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/testing/src/free-port.js';

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuOf(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Spawns `command` and resolves with the URL it prints on the line starting with `marker`. */
export function startPrinting(
  command: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  marker: string,
  options: { cwd?: string } = {},
): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    cwd: options.cwd,
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (piece: string) => {
      output += piece;
      const line = output.split('\n').find((candidate) => candidate.startsWith(marker));
      if (line) resolve({ url: line.slice(marker.length).trim().split(' ')[0]!, process: child });
    });
    child.once('exit', (code) =>
      reject(new Error(`${command} exited with ${code} before listening`)),
    );
  });
}

/** Starts Portkey's published bin on a free loopback port. */
export async function startPortkey(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const bin = fileURLToPath(
    new URL('../node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
  );
  // Portkey's bin has no host option: this preload binds its server to loopback only.
  const loopbackOnly = [
    "import net from 'node:net';",
    'const listen = net.Server.prototype.listen;',
    'net.Server.prototype.listen = function (...args) {',
    "  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, typeof args[1] === 'undefined' ? 1 : 0, '127.0.0.1');",
    "  else if (typeof args[0] === 'object' && args[0] !== null && !args[0].host) args[0] = { ...args[0], host: '127.0.0.1' };",
    '  return listen.apply(this, args);',
    '};',
  ].join('\n');
  const child = spawn(
    process.execPath,
    [
      `--import=data:text/javascript,${encodeURIComponent(loopbackOnly)}`,
      bin,
      `--port=${port}`,
      '--headless',
    ],
    { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error('Portkey gateway did not start');
}
