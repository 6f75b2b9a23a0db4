import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseApiKeysEnv, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('fills every default: port 8001, the mock models first, breakers at 5 failures', () => {
    const config = resolveConfig({ env: {} });
    expect(config.port).toBe(8001);
    expect(config.models.map((model) => model.name)).toEqual([
      'mock',
      'mock-backup',
      'gpt-4o',
      'claude-3-sonnet',
      'gemini-pro',
    ]);
    expect(config.breaker).toEqual({ failureThreshold: 5, openDurationMs: 30_000 });
    expect(config.requireApiKey).toBe(false);
    expect(config.adminToken).toBeUndefined();
  });

  it('refuses invalid values with precise messages', () => {
    expect(() => resolveConfig({ port: 70_000 })).toThrow(
      new RangeError('port must be an integer in 0..65535, got 70000'),
    );
    expect(() => resolveConfig({ models: [] })).toThrow('models must list at least one model');
    expect(() => resolveConfig({ adminToken: 'short' })).toThrow(
      'adminToken must be at least 16 characters long',
    );
    expect(() => resolveConfig({ models: [{ name: 'a b', provider: 'mock' }] })).toThrow(
      'model name must match',
    );
    expect(() =>
      resolveConfig({
        models: [
          { name: 'x', provider: 'mock' },
          { name: 'x', provider: 'mock' },
        ],
      }),
    ).toThrow('model x is declared twice');
    expect(() =>
      resolveConfig({ models: [{ name: 'x', provider: 'openai-compatible', maxSockets: 0 }] }),
    ).toThrow(new RangeError('model x: maxSockets must be an integer ≥ 1, got 0'));
    expect(() =>
      resolveConfig({ models: [{ name: 'x', provider: 'openai', maxSockets: 64 }] }),
    ).toThrow(new TypeError('model x: maxSockets applies to provider openai-compatible only'));
    expect(
      resolveConfig({
        models: [{ name: 'x', provider: 'openai-compatible', maxSockets: 20_000 }],
      }).models[0]?.maxSockets,
    ).toBe(20_000);
    for (const concurrency of [0, 1.5, -1, Number.NaN]) {
      expect(() =>
        resolveConfig({ models: [{ name: 'x', provider: 'mock', concurrency }] }),
      ).toThrow(new RangeError(`model x: concurrency must be an integer ≥ 1, got ${concurrency}`));
    }
    expect(
      resolveConfig({ models: [{ name: 'x', provider: 'mock', concurrency: 4 }] }).models[0]
        ?.concurrency,
    ).toBe(4);
    expect(() => resolveConfig({ apiKeys: [{ key: 'k', userId: 'u', tier: 'GOLD' }] })).toThrow(
      'unknown tier "GOLD"',
    );
    expect(() => resolveConfig({ breaker: { failureThreshold: 0, openDurationMs: 1 } })).toThrow(
      'breaker.failureThreshold must be ≥ 1, got 0',
    );
  });

  it('accepts custom tiers for API keys', () => {
    const config = resolveConfig({
      tiers: { GOLD: { requestsPerMinute: 500 } },
      apiKeys: [{ key: 'k', userId: 'u', tier: 'GOLD' }],
    });
    expect(config.apiKeys[0]?.tier).toBe('GOLD');
  });
});

describe('parseApiKeysEnv', () => {
  it('reads key=user:TIER pairs', () => {
    expect(parseApiKeysEnv('sk-a=alice:PRO, sk-b=bob:BASIC')).toEqual([
      { key: 'sk-a', userId: 'alice', tier: 'PRO' },
      { key: 'sk-b', userId: 'bob', tier: 'BASIC' },
    ]);
    expect(() => parseApiKeysEnv('sk-a')).toThrow(
      'GATEWAY_API_KEYS entries must look like key=user_id:TIER',
    );
  });
});

describe('loadConfig', () => {
  it('layers the environment over the config file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gateway-config-'));
    try {
      await writeFile(
        join(directory, 'gateway.config.json'),
        JSON.stringify({ port: 9000, requireApiKey: false }),
      );
      await writeFile(
        join(directory, 'keys.json'),
        JSON.stringify([{ keySha256: 'AB'.repeat(32), userId: 'carol', tier: 'PRO' }]),
      );
      const config = loadConfig(
        {
          PORT: '9100',
          REQUIRE_API_KEY: 'true',
          ADMIN_TOKEN: 'a-long-enough-admin-token',
          GATEWAY_API_KEYS: 'sk-a=alice:ENTERPRISE',
          GATEWAY_API_KEYS_FILE: 'keys.json',
          REDIS_URL: 'redis://127.0.0.1:6379',
        },
        directory,
      );
      expect(config.port).toBe(9100);
      expect(config.requireApiKey).toBe(true);
      expect(config.adminToken).toBe('a-long-enough-admin-token');
      expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
      expect(config.apiKeys.map((entry) => entry.userId)).toEqual(['carol', 'alice']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('works without a config file, and fails loudly on a missing named one', () => {
    expect(loadConfig({}, tmpdir()).port).toBe(8001);
    expect(() => loadConfig({ GATEWAY_CONFIG: 'nope.json' }, tmpdir())).toThrow(/ENOENT/);
  });

  it('resolves a relative GATEWAY_CONFIG against where the user ran the command (INIT_CWD)', async () => {
    const userDirectory = await mkdtemp(join(tmpdir(), 'gateway-user-'));
    const packageDirectory = await mkdtemp(join(tmpdir(), 'gateway-package-'));
    try {
      await writeFile(join(userDirectory, 'mine.json'), JSON.stringify({ port: 9200 }));
      await writeFile(join(userDirectory, 'keys.json'), JSON.stringify([]));
      // pnpm runs the start script in the package directory and sets INIT_CWD to the user's.
      const config = loadConfig(
        {
          GATEWAY_CONFIG: 'mine.json',
          GATEWAY_API_KEYS_FILE: 'keys.json',
          INIT_CWD: userDirectory,
        },
        packageDirectory,
      );
      expect(config.port).toBe(9200);
      expect(() => loadConfig({ GATEWAY_CONFIG: 'mine.json' }, packageDirectory)).toThrow(/ENOENT/);
    } finally {
      await rm(userDirectory, { recursive: true, force: true });
      await rm(packageDirectory, { recursive: true, force: true });
    }
  });

  it('defaults to current model ids, each overridable from the environment', () => {
    const upstream = (name: string) =>
      resolveConfig({ env: {} }).models.find((model) => model.name === name)?.upstreamModel;
    expect(upstream('claude-3-sonnet')).toBe('claude-sonnet-5-5');
    expect(upstream('gemini-pro')).toBe('gemini-pro-latest');
    expect(upstream('gpt-4o')).toBe('gpt-5.5');
    expect(
      resolveConfig({ env: {} })
        .models.map((model) => model.upstreamModelEnv)
        .filter(Boolean),
    ).toEqual(['OPENAI_MODEL', 'ANTHROPIC_MODEL', 'GEMINI_MODEL']);
  });
});
