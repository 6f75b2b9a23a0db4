/**
 * A throw-away npm registry (Verdaccio) on 127.0.0.1 for the release check: its config,
 * storage and user file live in a temporary folder, it proxies nothing (only `@breakwater/*`
 * lives there), and its one user is registered at run time with a random password.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from '@breakwater/testing';

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** A bearer token of the registry's only user, allowed to publish `@breakwater/*`. */
  readonly token: string;
  /** The `.npmrc` lines that route `@breakwater/*` (and only it) to this registry. */
  readonly npmrc: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const requireFromScripts = createRequire(import.meta.url);

export async function startLocalRegistry(workDir: string): Promise<LocalRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(workDir, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(workDir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(workDir, 'htpasswd'))}`,
      '    max_users: 1',
      'uplinks: {}',
      'packages:',
      "  '@breakwater/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  const bin = join(
    dirname(requireFromScripts.resolve('verdaccio/package.json')),
    'bin',
    'verdaccio',
  );
  const child = spawn(
    process.execPath,
    [bin, '--config', config, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));

  try {
    await waitUntilUp(url, child, () => output);
    const token = await addUser(url);
    const host = url.replace(/^http:/, '');
    return {
      url,
      token,
      npmrc: `@breakwater:registry=${url}\n${host}:_authToken=${token}\n`,
      stop: () => stop(child),
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`verdaccio exited with code ${child.exitCode}:\n${output()}`);
    }
    try {
      const response = await fetch(new URL('-/ping', url));
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `verdaccio did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`,
  );
}

/** Registers the registry's one user the way `npm adduser` does; returns its token. */
async function addUser(url: string): Promise<string> {
  const name = 'release-check';
  const password = randomBytes(24).toString('base64url');
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password, type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) {
    throw new Error(`could not add a user to the local registry: ${response.status} ${body.error}`);
  }
  return body.token;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
