// The guide's recipes as a consumer writes them, compiled against the published types.
import {
  createFallbackStore,
  createHonoRateLimit,
  createMemoryStore,
  createRateLimiter,
  createRateLimitMiddleware,
  createRedisStore,
  fastifyRateLimit,
  isStoreTimeoutError,
  type RateLimitDecision,
  type RedisScriptClient,
  TIER_PRESETS,
  tierFromLimits,
} from '@breakwater/rate-limit';
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import { Hono } from 'hono';

const planOf = (token: string | undefined): string | undefined =>
  token === 'secret' ? 'PRO' : undefined;

const limiter = createRateLimiter({
  store: createMemoryStore({ max: 1_000 }),
  tiers: {
    ...TIER_PRESETS,
    GOLD: { ...tierFromLimits({ requestsPerMinute: 500 }), oversizedEstimate: 'deny' },
  },
  failMode: 'closed',
});

// Express: a tier that may be undefined, passed straight through.
const app = express();
app.use(
  createRateLimitMiddleware<express.Request>({
    limiter,
    key: (request) => request.ip ?? 'unknown',
    tier: (request) => planOf(request.headers.authorization),
  }),
);
app.post('/chat', async (request, response) => {
  const reservation = await limiter.reserve(request.ip ?? 'unknown', {
    tier: planOf(request.headers.authorization),
    estimate: 1_000,
    requiredTokens: 200,
    signal: undefined,
  });
  if (!reservation.allowed) {
    response.status(429).end();
    return;
  }
  try {
    await reservation.commit(640);
  } catch (error) {
    if (isStoreTimeoutError(error)) await reservation.release().catch(() => undefined);
  }
  response.end();
});

// Fastify.
const fastify = Fastify();
await fastifyRateLimit(fastify, {
  limiter,
  tier: (request) => planOf((request as FastifyRequest).headers.authorization),
});

// Hono.
const hono = new Hono();
hono.use('/api/*', createHonoRateLimit({ limiter, endpointCosts: { '/api/stream': 3 } }));

// Redis: any client with the commands the store uses fits, without ioredis' types.
declare const client: RedisScriptClient;
const shared = createRateLimiter({
  store: createFallbackStore({
    primary: createRedisStore({ client, prefix: 'api', commandTimeoutMs: 300 }),
  }),
});
const decision: RateLimitDecision = await shared.limit('user:42', { tier: planOf(undefined) });
const quota = await shared.getQuota('user:42');
export const used: number | null = quota.usage.requestsThisMinute ?? decision.remaining;
