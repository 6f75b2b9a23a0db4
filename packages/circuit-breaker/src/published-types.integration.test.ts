/**
 * Typechecks the published declaration files the way a user's project sees them: built by
 * tsup, installed in a node_modules of their own, checked with `skipLibCheck: false` and
 * `exactOptionalPropertyTypes`, and with no ioredis anywhere (it is an optional peer).
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = join(packageDir, '..', '..');
const require = createRequire(join(packageDir, 'package.json'));

/** A strict consumer: what a careful user's tsconfig looks like. */
const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  include: ['*.mts', '*.cts'],
};

/** Uses every export a user reaches for, with the option shapes the docs show. */
const consumerModule = `
import {
  type BreakerEvents,
  type BreakerSnapshot,
  type CircuitBreaker,
  type ExecuteResult,
  createBreakerRegistry,
  createCircuitBreaker,
  createErrorClassifier,
  createRedisBreakerStore,
  exponentialOpenDuration,
  isBreakerTimeoutError,
  isCircuitOpenError,
  retryAfterMsFromHeaders,
  type RedisScriptClient,
} from '@breakwater/circuit-breaker';

const breaker: CircuitBreaker<string> = createCircuitBreaker({
  name: 'openai:gpt-4o',
  failureThreshold: 5,
  failureRateThreshold: 0.5,
  window: { type: 'time', durationMs: 30_000, buckets: 10 },
  slowCallDurationMs: 10_000,
  openDurationMs: exponentialOpenDuration({ initialMs: 1_000, maxMs: 60_000 }),
  classify: createErrorClassifier({ rateLimit: 'open', statuses: { 401: 'failure' } }),
  fallback: (_error, context) => \`fallback after \${context.reason}\`,
});
const answer: Promise<string> = breaker.execute(async (signal) => (signal.aborted ? 'no' : 'yes'), {
  signal: AbortSignal.timeout(1_000),
  timeoutMs: 500,
});
const result: Promise<ExecuteResult<number>> = breaker.tryExecute(() => 1);
const permit = breaker.tryAcquire();
if (permit.ok) permit.success();
else console.log(permit.retryAfterMs, permit.error.code);
const snapshot: BreakerSnapshot = breaker.snapshot();
const onState: BreakerEvents['stateChange'] = ({ name, from, to, reason }) =>
  console.log(name, from, to, reason);
breaker.on('stateChange', onState);
breaker.configure({ failureThreshold: 3 });

const client: RedisScriptClient = {
  evalsha: async () => ['CLOSED', 0, 0, 0],
  eval: async () => ['CLOSED', 0, 0, 0],
};
const store = createRedisBreakerStore({ client, prefix: 'app:cb:', quorum: 2 });
store.on('fallback-engaged', ({ error }) => console.warn(error));
const registry = createBreakerRegistry({
  defaults: { failureThreshold: 3, store },
  overrides: (name) => (name.startsWith('openai:') ? { timeoutMs: 30_000 } : undefined),
  tickIntervalMs: 1_000,
});
registry.on('rejected', ({ name, retryAfterMs }) => console.log(name, retryAfterMs));
const listed: BreakerSnapshot[] = registry.list();

try {
  await registry.get('postgres').execute(() => Promise.resolve(1));
} catch (error) {
  if (isCircuitOpenError(error)) console.log(error.retryAfterMs, error.breakerName);
  if (isBreakerTimeoutError(error)) console.log(error.timeoutMs);
}
console.log(answer, result, snapshot, listed, retryAfterMsFromHeaders({ 'retry-after': '3' }));
`;

/** ioredis' own clients fit the store's structural client type. */
const redisConsumer = `
import { Cluster, Redis } from 'ioredis';
import { createBreakerRegistry, createRedisBreakerStore } from '@breakwater/circuit-breaker';

const single = createRedisBreakerStore({ client: new Redis({ lazyConnect: true }) });
const cluster = createRedisBreakerStore({
  client: new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }),
  prefix: 'app:cb:',
});
export const registries = [single, cluster].map((store) =>
  createBreakerRegistry({ defaults: { store } }),
);
`;

/** The CommonJS entry resolves to its own declaration file. */
const consumerCommonJs = `
import breakers = require('@breakwater/circuit-breaker');
const breaker = breakers.createCircuitBreaker({ name: 'cjs' });
export const state: breakers.BreakerState = breaker.state;
`;

const fence = /^```(?:ts|typescript)\b[^\n]*\n([\s\S]*?)^```\s*$/gm;

/** The guide's snippets that import nothing but this package and Node built-ins. */
function guideSnippets(): string[] {
  const snippets: string[] = [];
  for (const file of [join(root, 'docs', 'circuit-breaker.md'), join(packageDir, 'README.md')]) {
    for (const match of readFileSync(file, 'utf8').matchAll(fence)) {
      const code = match[1] ?? '';
      const sources = [...code.matchAll(/from '([^']+)'/g)].map((found) => found[1] ?? '');
      if (
        sources.every(
          (source) => source === '@breakwater/circuit-breaker' || source.startsWith('node:'),
        )
      ) {
        snippets.push(code);
      }
    }
  }
  return snippets;
}

function typecheck(project: string): string {
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}` || String(error);
  }
}

describe('the published declaration files', () => {
  let workspace = '';
  let consumer = '';
  let consumerWithRedis = '';

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'breaker-consumer-'));
    const installed = join(workspace, 'consumer', 'node_modules');
    const packageCopy = join(installed, '@breakwater', 'circuit-breaker');
    const tsup = join(root, 'node_modules', '.bin', 'tsup');
    execFileSync(tsup, ['--dts-only', '--out-dir', join(packageCopy, 'dist')], {
      cwd: packageDir,
      stdio: 'pipe',
    });
    cpSync(join(packageDir, 'package.json'), join(packageCopy, 'package.json'));
    // The runtime dependency and Node's types, as a user's install has them; ioredis is absent.
    symlinkSync(
      dirname(require.resolve('eventemitter3/package.json')),
      join(installed, 'eventemitter3'),
    );
    mkdirSync(join(installed, '@types'));
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(installed, '@types', 'node'));
    consumer = join(workspace, 'consumer');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(consumerTsconfig));
    writeFileSync(join(consumer, 'consumer.mts'), `${consumerModule}\nexport {};\n`);
    writeFileSync(join(consumer, 'consumer-cjs.cts'), consumerCommonJs);
    // Proves the consumer cannot see ioredis: were it resolvable, the directive would be unused.
    writeFileSync(
      join(consumer, 'no-ioredis.mts'),
      "// @ts-expect-error ioredis is not installed here\nimport type {} from 'ioredis';\n",
    );
    guideSnippets().forEach((snippet, index) => {
      writeFileSync(join(consumer, `guide-${index + 1}.mts`), `${snippet}\nexport {};\n`);
    });

    // A second consumer that does install the optional peer and shares state through Redis.
    consumerWithRedis = join(workspace, 'consumer-with-redis');
    const withRedis = join(consumerWithRedis, 'node_modules');
    mkdirSync(join(withRedis, '@breakwater'), { recursive: true });
    symlinkSync(packageCopy, join(withRedis, '@breakwater', 'circuit-breaker'));
    for (const name of ['eventemitter3', 'ioredis']) {
      symlinkSync(dirname(require.resolve(`${name}/package.json`)), join(withRedis, name));
    }
    mkdirSync(join(withRedis, '@types'));
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(withRedis, '@types', 'node'));
    writeFileSync(join(consumerWithRedis, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(consumerWithRedis, 'tsconfig.json'), JSON.stringify(consumerTsconfig));
    writeFileSync(join(consumerWithRedis, 'redis-store.mts'), redisConsumer);
  }, 120_000);

  afterAll(() => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('never name ioredis', () => {
    const types = readFileSync(
      join(consumer, 'node_modules', '@breakwater', 'circuit-breaker', 'dist', 'index.d.ts'),
      'utf8',
    );
    expect(types).not.toMatch(/from ['"]ioredis['"]|import\(['"]ioredis['"]\)/);
  });

  it('typecheck in a strict consumer without ioredis (skipLibCheck: false, exactOptionalPropertyTypes)', () => {
    expect(guideSnippets().length).toBeGreaterThan(3);
    expect(typecheck(join(consumer, 'tsconfig.json'))).toBe('');
  }, 120_000);

  it('accept an ioredis Redis and Cluster as the store client in a strict consumer that has ioredis', () => {
    expect(typecheck(join(consumerWithRedis, 'tsconfig.json'))).toBe('');
  }, 120_000);
});
