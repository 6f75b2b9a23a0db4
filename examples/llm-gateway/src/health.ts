import type { BreakerRegistry } from '@breakwater/circuit-breaker';
import type { Redis } from 'ioredis';
import type { GatewayLimiter } from './gateway-limiter.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ResponseCache } from './response-cache.js';

/** The `redis` member of the health report. */
export type RedisHealth = 'disabled' | 'ready' | 'unavailable';

/** GET /api/health, as sent on the wire. */
export interface HealthReport {
  readonly status: 'healthy' | 'degraded';
  /** Why the status is degraded (empty when healthy). */
  readonly reasons: readonly string[];
  readonly circuit_breakers: { readonly all_closed: boolean; readonly open: readonly string[] };
  readonly cache: {
    readonly enabled: boolean;
    readonly backend: 'memory' | 'redis' | null;
    readonly keys: number;
  };
  readonly redis: RedisHealth;
  readonly rate_limit: { readonly backend: 'memory' | 'redis'; readonly fallback_engaged: boolean };
  readonly models: ReadonlyArray<{ name: string; provider: string; model: string }>;
  readonly disabled_models: ReadonlyArray<{ name: string; reason: string }>;
  readonly active_streams: number;
}

/** Computes the health report; each call checks Redis with one PING bounded by the Redis timeout. */
export type HealthCheck = () => Promise<HealthReport>;

/** What {@link createHealthCheck} reads. */
export interface HealthCheckDeps {
  readonly breakers: BreakerRegistry;
  readonly limiter: GatewayLimiter;
  readonly catalog: ModelCatalog;
  readonly cache: ResponseCache | undefined;
  readonly redis: Pick<Redis, 'ping' | 'status'> | undefined;
  readonly redisTimeoutMs: number;
  /** Breakers of dependencies a request cannot do without: open means degraded. */
  readonly requiredBreakers: readonly string[];
  /** Streams in progress. */
  activeStreams(): number;
}

/**
 * Builds the health check. Degraded while: the rate limiter decides on its local fallback;
 * Redis (when configured) does not answer a PING within `redisTimeoutMs`; a required
 * dependency's breaker is open; or every model's breaker is open.
 */
export function createHealthCheck(deps: HealthCheckDeps): HealthCheck {
  // One PING at a time: a paused Redis must not collect a pending PING per health request.
  let inFlight: Promise<boolean> | undefined;

  const redisAnswers = (redis: Pick<Redis, 'ping'>): Promise<boolean> => {
    inFlight ??= redis.ping().then(
      () => true,
      () => false,
    );
    const ping = inFlight;
    ping.finally(() => {
      if (inFlight === ping) inFlight = undefined;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deps.redisTimeoutMs);
    });
    return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
  };

  return async () => {
    const { breakers, limiter, catalog, cache, redis } = deps;
    let redisHealth: RedisHealth = 'disabled';
    if (redis) {
      redisHealth =
        redis.status === 'ready' && (await redisAnswers(redis)) ? 'ready' : 'unavailable';
    }
    const open = breakers
      .list()
      .filter((snapshot) => snapshot.state !== 'CLOSED' && snapshot.state !== 'DISABLED')
      .map((snapshot) => snapshot.name);
    const reasons: string[] = [];
    if (limiter.fallbackEngaged) reasons.push('rate limiter on its local fallback');
    if (redisHealth === 'unavailable') reasons.push('redis does not answer');
    for (const name of deps.requiredBreakers) {
      if (open.includes(name)) reasons.push(`circuit breaker ${name} is open`);
    }
    if (catalog.models.every((model) => open.includes(model.breakerName))) {
      reasons.push('every model circuit breaker is open');
    }
    return {
      status: reasons.length === 0 ? 'healthy' : 'degraded',
      reasons,
      circuit_breakers: { all_closed: open.length === 0, open },
      cache: cache
        ? { enabled: true, backend: cache.backend, keys: cache.size }
        : { enabled: false, backend: null, keys: 0 },
      redis: redisHealth,
      rate_limit: { backend: limiter.backend, fallback_engaged: limiter.fallbackEngaged },
      models: catalog.models.map((model) => ({
        name: model.name,
        provider: model.provider,
        model: model.upstreamModel,
      })),
      disabled_models: catalog.disabled,
      active_streams: deps.activeStreams(),
    };
  };
}
