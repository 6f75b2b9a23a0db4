import EventEmitter from 'eventemitter3';
import { createCostCalculator } from '../cost-calculator.js';
import { createMetrics } from '../create-metrics.js';
import { instrumentBreakers } from '../instrument-breakers.js';
import { instrumentCache } from '../instrument-cache.js';
import { instrumentConcurrency } from '../instrument-concurrency.js';
import { instrumentRateLimiter } from '../instrument-rate-limiter.js';
import type { Metrics } from '../metrics.js';

/** A Metrics with at least one series in every metric of the set. */
export function populateAll(): Metrics {
  const metrics = createMetrics({
    costCalculator: createCostCalculator({ onUnknownModel: () => {} }),
  });
  const stream = { provider: 'openai', model: 'gpt-4o' };
  metrics.recordAiRequest({
    ...stream,
    durationMs: 2100,
    timeToFirstChunkMs: 320,
    usage: { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 200 },
    taskType: 'chat',
  });
  metrics.recordAiRequest({ ...stream, durationMs: 90, errorType: 'rate_limited' });
  metrics.recordAiRetry({ ...stream, errorType: 'upstream_error' });
  metrics.recordAiFailover({ ...stream, errorType: 'first_token_timeout' });
  metrics.recordAiRequest({
    provider: 'vllm',
    model: 'llama',
    durationMs: 5,
    usage: { inputTokens: 1, outputTokens: 1 },
  });
  metrics.recordStreamStart(stream);
  metrics.recordStreamChunk(stream);
  metrics.recordStreamChunk({ ...stream, sincePreviousChunkMs: 25 });
  metrics.recordStreamEnd({ ...stream, outcome: 'cancelled', reason: 'client_disconnected' });
  metrics.recordStreamStart(stream);

  const cache = Object.assign(new EventEmitter(), { size: 3 });
  instrumentCache(metrics, cache);
  for (const event of ['hit', 'miss', 'set', 'evict']) cache.emit(event);

  metrics.recordWebSocketOpen();
  metrics.recordWebSocketMessage('inbound');
  metrics.recordWebSocketMessage('outbound', 4);

  const breakers = Object.assign(new EventEmitter(), {
    list: () => [{ name: 'openai', state: 'OPEN' }],
  });
  instrumentBreakers(metrics, breakers);
  breakers.emit('stateChange', { name: 'openai', from: 'CLOSED', to: 'OPEN' });
  for (const event of ['success', 'failure', 'rejected', 'ignored', 'slowCall']) {
    breakers.emit(event, { name: 'openai' });
  }

  const limiter = new EventEmitter();
  instrumentRateLimiter(metrics, limiter);
  limiter.emit('denied', {
    tier: 'FREE',
    decision: { allowed: false, tier: 'FREE', reason: 'limit-exceeded' },
  });
  limiter.emit('near-limit', { tier: 'PRO' });
  limiter.emit('fallback-engaged', {});

  const concurrency = new EventEmitter();
  instrumentConcurrency(metrics, concurrency);
  concurrency.emit('acquired', { key: 'user:1', inFlight: 1, limit: 2, waitedMs: 12 });
  concurrency.emit('rejected', { key: 'user:1', reason: 'queue_full', inFlight: 2, limit: 2 });
  concurrency.emit('store-error', { error: new Error('down') });
  concurrency.emit('lease-lost', { key: 'user:1', heldMs: 40_000 });

  metrics.recordHttpRequest({
    method: 'POST',
    route: '/v1/chat/completions',
    statusCode: 429,
    durationMs: 4,
  });
  metrics.recordDbOperation({ system: 'redis', operation: 'evalsha', durationMs: 1.2 });
  return metrics;
}
