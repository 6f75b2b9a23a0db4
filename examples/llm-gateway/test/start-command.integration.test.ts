import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers.js';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The environment of a newcomer: no keys, no token, no Redis, a free port. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  for (const name of [
    'ADMIN_TOKEN',
    'GATEWAY_API_KEYS',
    'GATEWAY_API_KEYS_FILE',
    'GATEWAY_CONFIG',
    'REDIS_URL',
    'REQUIRE_API_KEY',
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'GEMINI_API_KEY',
  ]) {
    delete env[name];
  }
  return env;
}

describe('the start command, as the README says to run it', () => {
  let child: ChildProcess;
  let output = '';
  let exited: Promise<void>;

  beforeAll(async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
    child = spawn('npx', ['-y', 'pnpm@12.4.2', 'start'], {
      cwd: repositoryRoot,
      env: newcomerEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (piece: string) => {
      output += piece;
    });
    child.stderr!.setEncoding('utf8').on('data', (piece: string) => {
      output += piece;
    });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await eventually(
      () => output.includes('Breakwater LLM gateway on'),
      'the gateway to start',
      60_000,
    );
  }, 90_000);
  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  /** The indented command printed under `heading`. */
  const printed = (heading: string) => {
    const lines = output.split('\n');
    const line = lines[lines.findIndex((candidate) => candidate.startsWith(heading)) + 1];
    if (!line?.startsWith('  ')) throw new Error(`nothing printed under ${heading}`);
    return line.trim();
  };

  it('prints an admin token and a demo API key', () => {
    expect(output).toMatch(/generated admin token for this run:\n {2}\S{20,}/);
    expect(output).toMatch(/demo API key for this run \(user demo, tier BASIC\):\n {2}sk-demo-\S+/);
  });

  it('prints a curl command that works as printed', async () => {
    const { stdout } = await run('sh', ['-c', printed('Try it with curl:')], { cwd: '/' });
    const answer = JSON.parse(stdout);
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0].message.content.length).toBeGreaterThan(0);
  });

  it('prints an openai client example that works as printed', async () => {
    const { stdout } = await run('sh', ['-c', printed('Or with the official openai client:')], {
      cwd: '/',
    });
    expect(stdout.trim().split(' ').length).toBeGreaterThan(5);
  });

  it('stops quietly on Ctrl-C: no failed-script noise from pnpm', async () => {
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    expect(output).toContain('shutting down');
    expect(output).not.toMatch(/ELIFECYCLE|ERR_PNPM|Command failed/);
  }, 30_000);
});
