import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import EventEmitter from 'eventemitter3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceBreakers, traceRateLimiter } from './trace-resilience.js';

describe('traceBreakers and traceRateLimiter', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  }).getTracer('test');

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('add breaker rejections and rate-limit decisions to the active span, never the key', async () => {
    const breakers = new EventEmitter();
    const limiter = new EventEmitter();
    const stopBreakers = traceBreakers(breakers);
    const stopLimiter = traceRateLimiter(limiter);

    await tracer.startActiveSpan('POST /v1/chat/completions', async (span) => {
      limiter.emit('allowed', {
        key: 'user:42',
        decision: { allowed: true, tier: 'PRO', reason: 'allowed', remaining: 9, retryAfterMs: 0 },
      });
      // Still the request's span after an await: the context manager carries it.
      await Promise.resolve();
      breakers.emit('rejected', { name: 'ai_model_gpt-4o', state: 'OPEN', retryAfterMs: 2500 });
      limiter.emit('denied', {
        key: 'user:42',
        decision: {
          allowed: false,
          tier: 'PRO',
          reason: 'limit-exceeded',
          remaining: 0,
          retryAfterMs: 1000,
        },
      });
      span.end();
    });
    // Outside any span nothing is recorded, and nothing throws.
    breakers.emit('rejected', { name: 'ai_model_gpt-4o', state: 'OPEN', retryAfterMs: 2500 });

    const [span] = exporter.getFinishedSpans();
    expect(span?.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'breakwater.rate_limit',
        {
          'breakwater.rate_limit.tier': 'PRO',
          'breakwater.rate_limit.result': 'allowed',
          'breakwater.rate_limit.reason': 'allowed',
          'breakwater.rate_limit.remaining': 9,
        },
      ],
      [
        'breakwater.breaker.rejected',
        {
          'breakwater.breaker.name': 'ai_model_gpt-4o',
          'breakwater.breaker.state': 'OPEN',
          'breakwater.retry_after_ms': 2500,
        },
      ],
      [
        'breakwater.rate_limit',
        {
          'breakwater.rate_limit.tier': 'PRO',
          'breakwater.rate_limit.result': 'denied',
          'breakwater.rate_limit.reason': 'limit-exceeded',
          'breakwater.rate_limit.remaining': 0,
          'breakwater.retry_after_ms': 1000,
        },
      ],
    ]);
    expect(JSON.stringify(span?.events)).not.toContain('user:42');

    stopBreakers();
    stopLimiter();
    expect(breakers.listenerCount('rejected')).toBe(0);
    expect(limiter.listenerCount('allowed') + limiter.listenerCount('denied')).toBe(0);
  });

  it('reject sources without on() and off()', () => {
    expect(() => traceBreakers({} as never)).toThrow(TypeError);
    expect(() => traceRateLimiter({} as never)).toThrow(TypeError);
  });
});
