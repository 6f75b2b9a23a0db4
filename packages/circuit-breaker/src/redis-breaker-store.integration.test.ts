import { startRedisServer, useRedis, useRedisCluster } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBreakerRegistry } from './breaker-registry.js';
import { type CircuitBreaker, createCircuitBreaker } from './circuit-breaker.js';
import {
  createRedisBreakerStore,
  type RedisBreakerStore,
  type RedisScriptClient,
} from './redis-breaker-store.js';

const boom = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

async function waitFor(predicate: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Three "instances" in one process: each has its own store (own instanceId) and breaker. */
function instances(
  client: RedisScriptClient,
  prefix: string,
  options: { quorum?: number; openDurationMs?: number; commandTimeoutMs?: number } = {},
) {
  const stores: RedisBreakerStore[] = [];
  const breakers: CircuitBreaker[] = [];
  for (let index = 0; index < 3; index++) {
    const store = createRedisBreakerStore({
      client,
      prefix,
      instanceId: `instance-${index}`,
      quorum: options.quorum ?? 2,
      syncIntervalMs: 50,
      // Generous, so a loaded test machine is not mistaken for a lost Redis.
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    });
    stores.push(store);
    breakers.push(
      createCircuitBreaker({
        name: 'openai:gpt-4o',
        failureThreshold: 2,
        openDurationMs: options.openDurationMs ?? 400,
        halfOpenSuccessThreshold: 1,
        store,
      }),
    );
  }
  const dispose = () => {
    for (const breaker of breakers) breaker.dispose();
    for (const store of stores) store.dispose();
  };
  return { stores, breakers, dispose };
}

async function trip(breaker: CircuitBreaker) {
  for (let index = 0; index < 2; index++) await breaker.execute(boom).catch(() => undefined);
}

function sharedScenarios(context: () => { client: RedisScriptClient; prefix: string }) {
  it('one bad instance opens only its own breaker; a quorum of two opens it for all', async () => {
    const { client, prefix } = context();
    const { breakers, dispose } = instances(client, prefix);
    try {
      const [first, second, third] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
      await trip(first);
      expect(first.state).toBe('OPEN');
      await sleep(200); // four sync rounds
      expect([second.state, third.state]).toEqual(['CLOSED', 'CLOSED']);
      await trip(second);
      await waitFor(() => third.state === 'OPEN');
      await expect(third.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    } finally {
      dispose();
    }
  });

  it('only one instance probes in HALF_OPEN; the others follow when it closes', async () => {
    const { client, prefix } = context();
    const { breakers, dispose } = instances(client, prefix, { quorum: 1 });
    try {
      const [first, second, third] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
      await trip(first);
      await waitFor(() => second.state === 'OPEN' && third.state === 'OPEN');
      await sleep(450);
      let probes = 0;
      let open!: (value: string) => void;
      const gate = new Promise<string>((resolve) => {
        open = resolve;
      });
      const calls = breakers.map((breaker) =>
        breaker.tryExecute(() => {
          probes++;
          return gate;
        }),
      );
      await sleep(100);
      expect(probes).toBe(1);
      open('healthy');
      const results = await Promise.all(calls);
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok && result.rejected)).toHaveLength(2);
      await waitFor(() => breakers.every((breaker) => breaker.state === 'CLOSED'));
    } finally {
      dispose();
    }
  });

  it('the instance that opened the shared circuit probes first; its failed probe reopens it for everyone', async () => {
    const { client, prefix } = context();
    // A long reservation (commandTimeoutMs + syncIntervalMs after the open period), so a
    // loaded machine cannot let it lapse before `second` asks.
    const { breakers, dispose } = instances(client, prefix, {
      quorum: 1,
      commandTimeoutMs: 10_000,
    });
    try {
      const [first, second] = breakers as [CircuitBreaker, CircuitBreaker];
      await trip(first);
      await waitFor(() => second.state === 'OPEN');
      await sleep(450);
      // The first probe is the opener's: another instance asking now is refused.
      await expect(second.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
      await expect(first.execute(boom)).rejects.toThrow('boom');
      expect(first.state).toBe('OPEN');
      // The others stay open (the lease owner reopened the shared circuit).
      await sleep(150);
      await expect(second.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    } finally {
      dispose();
    }
  });

  it('when the opener makes no call, another instance takes the probe once its reservation lapses', async () => {
    const { client, prefix } = context();
    // Reservation: syncIntervalMs (50) + commandTimeoutMs (1000) after the open period (400).
    const { breakers, dispose } = instances(client, prefix, { quorum: 1, commandTimeoutMs: 1000 });
    try {
      const [first, second, third] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
      await trip(first);
      await waitFor(() => second.state === 'OPEN' && third.state === 'OPEN');
      await sleep(400 + 1050 + 100);
      await expect(second.execute(ok)).resolves.toBe('ok');
      await waitFor(() => breakers.every((breaker) => breaker.state === 'CLOSED'));
    } finally {
      dispose();
    }
  });

  for (const quorum of [1, 2]) {
    for (const entry of ['execute', 'tryAcquire'] as const) {
      it(`one instance (quorum ${quorum}): the first ${entry}() after the open period is admitted as a probe`, async () => {
        const { client, prefix } = context();
        const store = createRedisBreakerStore({
          client,
          prefix,
          instanceId: 'only',
          quorum,
          commandTimeoutMs: 2000,
        });
        const breaker = createCircuitBreaker({
          name: 'openai:gpt-4o',
          failureThreshold: 1,
          openDurationMs: 300,
          halfOpenSuccessThreshold: 1,
          store,
        });
        try {
          await breaker.execute(boom).catch(() => undefined);
          expect(breaker.state).toBe('OPEN');
          expect(breaker.tryAcquire().ok).toBe(false);
          // The breaker's own open period ends (whatever the store answered in between).
          await waitFor(() => breaker.snapshot().retryAfterMs === 0);
          if (entry === 'execute') {
            await expect(breaker.execute(ok)).resolves.toBe('ok');
          } else {
            const permit = breaker.tryAcquire();
            expect(permit).toMatchObject({ ok: true });
            if (permit.ok) permit.success();
          }
          expect(breaker.state).toBe('CLOSED');
        } finally {
          breaker.dispose();
          store.dispose();
        }
      });
    }
  }

  it("the registry's ticker moves a trip of one instance alone to HALF_OPEN, with a store too", async () => {
    const { client, prefix } = context();
    const store = createRedisBreakerStore({
      client,
      prefix,
      instanceId: 'only',
      commandTimeoutMs: 2000,
    });
    const registry = createBreakerRegistry({
      defaults: { failureThreshold: 1, openDurationMs: 200, store },
      tickIntervalMs: 20,
    });
    try {
      await registry
        .get('db')
        .execute(boom)
        .catch(() => undefined);
      expect(registry.get('db').state).toBe('OPEN');
      await waitFor(() => registry.get('db').state === 'HALF_OPEN');
    } finally {
      registry.dispose();
      store.dispose();
    }
  });

  it('operator overrides reach every instance', async () => {
    const { client, prefix } = context();
    const { breakers, dispose } = instances(client, prefix);
    try {
      const [first] = breakers as [CircuitBreaker];
      first.forceOpen();
      await waitFor(() => breakers.every((breaker) => breaker.state === 'FORCED_OPEN'));
      first.disable();
      await waitFor(() => breakers.every((breaker) => breaker.state === 'DISABLED'));
      first.reset();
      await waitFor(() => breakers.every((breaker) => breaker.state === 'CLOSED'));
    } finally {
      dispose();
    }
  });
}

describe('shared state on one redis-server', () => {
  const redis = useRedis();
  sharedScenarios(() => ({ client: redis.client, prefix: redis.prefix }));

  it('keeps one hash per breaker, named with a hash tag, with a TTL', async () => {
    const { breakers, dispose } = instances(redis.client, redis.prefix);
    try {
      await trip(breakers[0]!);
      await sleep(50);
      const key = `${redis.prefix}{breaker:openai:gpt-4o}`;
      expect(await redis.client.hget(key, 'v:instance-0')).toMatch(/^\d+$/);
      expect(await redis.client.pttl(key)).toBeGreaterThan(86_000_000);
      expect(await redis.client.keys(`${redis.prefix}*`)).toEqual([key]);
    } finally {
      dispose();
    }
  });
});

describe('shared state on a 3-master Redis Cluster', () => {
  const cluster = useRedisCluster();
  sharedScenarios(() => ({ client: cluster.client, prefix: cluster.prefix }));
});

describe('losing Redis', () => {
  it('falls back to local state without throwing, then follows the shared state again', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const connectionErrors: unknown[] = [];
    client.on('error', (error) => connectionErrors.push(error));
    await client.connect();
    const { breakers, stores, dispose } = instances(client, 'lost:', {
      quorum: 1,
      commandTimeoutMs: 300,
    });
    const engaged: unknown[] = [];
    stores[0]!.on('fallback-engaged', ({ error }) => engaged.push(error));
    let recovered = 0;
    stores[0]!.on('fallback-recovered', () => recovered++);
    try {
      const [first, second] = breakers as [CircuitBreaker, CircuitBreaker];
      await server.stop();
      await trip(first); // reports to a dead Redis: must not throw
      expect(first.state).toBe('OPEN');
      await waitFor(() => stores[0]!.degraded);
      expect(engaged.length).toBe(1);
      expect(connectionErrors.length).toBeGreaterThan(0);
      await sleep(450);
      // The open period ends and the probe runs locally, no lease needed.
      await expect(first.execute(ok)).resolves.toBe('ok');
      expect(first.state).toBe('CLOSED');
      await expect(second.execute(ok)).resolves.toBe('ok');
      await server.start();
      await waitFor(() => !stores[0]!.degraded && !stores[1]!.degraded, 10_000);
      expect(recovered).toBe(1);
      await trip(second);
      await waitFor(() => first.state === 'OPEN');
    } finally {
      dispose();
      client.disconnect();
      await server.stop();
    }
  });
});
