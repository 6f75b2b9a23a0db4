import { createStreamManager, iterableSource } from '@breakwater/llm-stream';
import EventEmitter from 'eventemitter3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sampleValue } from './__fixtures__/read-metric.js';
import { createCostCalculator } from './cost-calculator.js';
import { createMetrics } from './create-metrics.js';
import { instrumentStreams } from './instrument-streams.js';

interface Base {
  streamId: string;
  model: string;
  provider: string;
}
interface Usage {
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
}

/** A stream manager shaped like @breakwater/llm-stream's manager-level events. */
class FakeStreamManager extends EventEmitter<{
  start: (event: Base & { type: 'start'; timestamp: number }) => void;
  chunk: (
    event: Base & {
      type: 'chunk';
      chunkNumber: number;
      content: string;
      tokensInChunk: number;
      totalTokens: number;
      elapsedSeconds: number;
      progressPercent: number | null;
      timestamp: number;
    },
  ) => void;
  complete: (
    event: Base & {
      type: 'complete';
      totalTokens: number;
      usage: Usage;
      ttftMs: number | null;
      durationMs: number;
      tokensPerSecond: number;
      finishReason: string | null;
    },
  ) => void;
  error: (
    event: Base & {
      type: 'error';
      code: string;
      message: string;
      retryable: boolean;
      usage: Usage;
    },
  ) => void;
  cancelled: (event: Base & { type: 'cancelled'; reason: string; usage: Usage }) => void;
  attempt_failed: (
    event: Base & {
      type: 'attempt_failed';
      attempt: number;
      code: string;
      message: string;
      status?: number;
      next: 'retry' | 'failover' | 'none';
    },
  ) => void;
  retry: (
    event: Base & {
      type: 'retry';
      attempt: number;
      delayMs: number;
      code: string;
      message: string;
    },
  ) => void;
  failover: (
    event: Base & {
      type: 'failover';
      fromModel: string;
      fromProvider: string;
      code: string;
      message: string;
    },
  ) => void;
}> {
  start(base: Base) {
    this.emit('start', { ...base, type: 'start', timestamp: 0 });
  }

  chunk(base: Base, number: number, elapsedSeconds: number) {
    this.emit('chunk', {
      ...base,
      type: 'chunk',
      chunkNumber: number,
      content: 'x',
      tokensInChunk: 1,
      totalTokens: number,
      elapsedSeconds: elapsedSeconds,
      progressPercent: null,
      timestamp: 0,
    });
  }
}

const usage = (input: number, output: number, estimated = false) => ({
  inputTokens: input,
  outputTokens: output,
  estimated,
});

describe('instrumentStreams', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records a completed stream as one AI request with chunks, time per chunk and cost', async () => {
    const metrics = createMetrics();
    const manager = new FakeStreamManager();
    const stop = instrumentStreams(metrics, manager);
    const stream = { streamId: 's1', model: 'gpt-4o', provider: 'openai' };
    const labels = { gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o' };
    const { registry, names } = metrics;

    manager.start(stream);
    expect(await sampleValue(registry, names.streamsActive, labels)).toBe(1);
    manager.chunk(stream, 1, 0.2);
    manager.chunk(stream, 2, 0.25);
    manager.chunk(stream, 3, 0.35);
    manager.emit('complete', {
      ...stream,
      type: 'complete',
      totalTokens: 3,
      usage: usage(1000, 200),
      ttftMs: 200,
      durationMs: 400,
      tokensPerSecond: 10,
      finishReason: 'stop',
    });

    const gpt = { gen_ai_operation_name: 'chat', ...labels };
    expect(await sampleValue(registry, names.streamsActive, labels)).toBe(0);
    expect(await sampleValue(registry, names.streamChunks, labels)).toBe(3);
    expect(await sampleValue(registry, names.timePerOutputChunk, gpt, '_count')).toBe(2);
    expect(await sampleValue(registry, names.timePerOutputChunk, gpt, '_sum')).toBeCloseTo(0.15, 9);
    expect(await sampleValue(registry, names.aiRequests, { ...gpt, status: 'success' })).toBe(1);
    expect(await sampleValue(registry, names.operationDuration, gpt, '_sum')).toBe(0.4);
    expect(await sampleValue(registry, names.timeToFirstChunk, gpt, '_sum')).toBe(0.2);
    expect(
      await sampleValue(
        registry,
        names.tokenUsage,
        { ...gpt, gen_ai_token_type: 'output' },
        '_sum',
      ),
    ).toBe(200);
    expect(await sampleValue(registry, names.aiCost, labels)).toBeCloseTo(0.0045, 12);

    stop();
    for (const event of [
      'start',
      'chunk',
      'complete',
      'error',
      'cancelled',
      'attempt_failed',
      'retry',
      'failover',
    ] as const) {
      expect(manager.listenerCount(event)).toBe(0);
    }
    manager.start({ ...stream, streamId: 's2' });
    expect(await sampleValue(registry, names.streamsActive, labels)).toBe(0);
  });

  it("shows an open stream's chunks at every scrape, labelled by the model that sent them", async () => {
    const metrics = createMetrics();
    const manager = new FakeStreamManager();
    const stop = instrumentStreams(metrics, manager);
    const { registry, names } = metrics;
    const primary = { streamId: 's1', model: 'gpt-4o', provider: 'openai' };
    // The stream failed over before its first chunk: its chunks come from the backup.
    const backup = { ...primary, model: 'claude-opus-4-5', provider: 'anthropic' };
    const backupLabels = {
      gen_ai_provider_name: 'anthropic',
      gen_ai_request_model: 'claude-opus-4-5',
    };
    const backupTime = { gen_ai_operation_name: 'chat', ...backupLabels };
    const primaryLabels = { gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o' };

    manager.start(primary);
    // More chunks than a stream holds between two recordings, read mid-stream.
    for (let number = 1; number <= 100; number++) manager.chunk(backup, number, number / 100);
    expect(await sampleValue(registry, names.streamChunks, backupLabels)).toBe(100);
    expect(await sampleValue(registry, names.timePerOutputChunk, backupTime, '_count')).toBe(99);
    expect(await sampleValue(registry, names.timePerOutputChunk, backupTime, '_sum')).toBeCloseTo(
      0.99,
      9,
    );
    expect(await sampleValue(registry, names.streamChunks, primaryLabels)).toBeUndefined();

    manager.chunk(backup, 101, 1.01);
    manager.chunk(backup, 102, 1.03);
    expect(await sampleValue(registry, names.streamChunks, backupLabels)).toBe(102);
    expect(await sampleValue(registry, names.timePerOutputChunk, backupTime, '_count')).toBe(101);

    // A stream that started before the subscription counts its chunks too.
    manager.chunk({ ...backup, streamId: 'older' }, 7, 3);
    expect(await sampleValue(registry, names.streamChunks, backupLabels)).toBe(103);

    manager.chunk(backup, 103, 1.04);
    stop();
    expect(await sampleValue(registry, names.streamChunks, backupLabels)).toBe(104);
    expect(await sampleValue(registry, names.timePerOutputChunk, backupTime, '_count')).toBe(102);
    expect(await sampleValue(registry, names.streamsActive, primaryLabels)).toBe(0);
  });

  it('times failed and cancelled streams with the clock and counts cancellations by reason', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const metrics = createMetrics({
      costCalculator: createCostCalculator({ onUnknownModel: () => {} }),
    });
    const manager = new FakeStreamManager();
    instrumentStreams(metrics, manager);
    const failing = { streamId: 'f', model: 'claude-sonnet-4-5', provider: 'anthropic' };
    const leaving = { streamId: 'c', model: 'claude-sonnet-4-5', provider: 'anthropic' };
    manager.start(failing);
    manager.start(leaving);
    vi.advanceTimersByTime(1500);
    manager.emit('error', {
      ...failing,
      type: 'error',
      code: 'RATE_LIMITED',
      message: '429',
      retryable: true,
      usage: usage(100, 0, true),
    });
    vi.advanceTimersByTime(1000);
    manager.emit('cancelled', {
      ...leaving,
      type: 'cancelled',
      reason: 'client_disconnected',
      usage: usage(100, 40, true),
    });

    const { registry, names } = metrics;
    const labels = { gen_ai_provider_name: 'anthropic', gen_ai_request_model: 'claude-sonnet-4-5' };
    const claude = { gen_ai_operation_name: 'chat', ...labels };
    expect(await sampleValue(registry, names.streamsActive, labels)).toBe(0);
    expect(
      await sampleValue(registry, names.aiRequests, {
        ...claude,
        status: 'error',
        error_type: 'rate_limited',
      }),
    ).toBe(1);
    expect(
      await sampleValue(
        registry,
        names.operationDuration,
        { ...claude, error_type: 'rate_limited' },
        '_sum',
      ),
    ).toBe(1.5);
    expect(await sampleValue(registry, names.aiRequests, { ...claude, status: 'cancelled' })).toBe(
      1,
    );
    expect(
      await sampleValue(
        registry,
        names.operationDuration,
        { ...claude, error_type: 'cancelled' },
        '_sum',
      ),
    ).toBe(2.5);
    expect(
      await sampleValue(registry, names.streamsCancelled, {
        ...labels,
        reason: 'client_disconnected',
      }),
    ).toBe(1);
    // Estimated usage of the cancelled stream is still billed: (100 * 3 + 40 * 15) / 1e6 + 100 * 3 / 1e6.
    expect(await sampleValue(registry, names.aiCost, labels)).toBeCloseTo(0.0012, 12);
  });

  it('can leave estimated usage out, and drops still-open streams from the gauge on unsubscribe', async () => {
    const metrics = createMetrics();
    const manager = new FakeStreamManager();
    const stop = instrumentStreams(metrics, manager, {
      recordEstimatedUsage: false,
      operation: 'text_completion',
    });
    const stream = { streamId: 'e', model: 'gpt-4o', provider: 'openai' };
    manager.start(stream);
    manager.start({ ...stream, streamId: 'open' });
    manager.emit('error', {
      ...stream,
      type: 'error',
      code: 'timeout',
      message: 't',
      retryable: true,
      usage: usage(5, 5, true),
    });
    const { registry, names } = metrics;
    expect(
      await sampleValue(registry, names.aiRequests, {
        gen_ai_operation_name: 'text_completion',
        error_type: 'timeout',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.tokenUsage, { gen_ai_token_type: 'input' }, '_count'),
    ).toBeUndefined();
    expect(
      await sampleValue(registry, names.streamsActive, { gen_ai_request_model: 'gpt-4o' }),
    ).toBe(1);
    stop();
    expect(
      await sampleValue(registry, names.streamsActive, { gen_ai_request_model: 'gpt-4o' }),
    ).toBe(0);
    expect(() => instrumentStreams(metrics, manager, { clock: 5 as never })).toThrow(TypeError);
  });
});

describe('instrumentStreams attempts', () => {
  const broken = { model: 'broken', provider: 'openai' };
  const working = { model: 'working', provider: 'anthropic' };
  const failed = (
    manager: FakeStreamManager,
    streamId: string,
    attempt: number,
    code: string,
    next: 'retry' | 'failover' | 'none',
  ) =>
    manager.emit('attempt_failed', {
      streamId,
      ...broken,
      type: 'attempt_failed',
      attempt,
      code,
      message: code,
      next,
    });

  it('counts every failed attempt by model and code, also those a retry and a failover hide', async () => {
    const metrics = createMetrics({
      allowModels: ['broken', 'working'],
      costCalculator: createCostCalculator({ onUnknownModel: () => {} }),
    });
    const manager = new FakeStreamManager();
    instrumentStreams(metrics, manager);
    manager.start({ streamId: 's1', ...broken });
    failed(manager, 's1', 1, 'UPSTREAM_ERROR', 'retry');
    manager.emit('retry', {
      streamId: 's1',
      ...broken,
      type: 'retry',
      attempt: 2,
      delayMs: 100,
      code: 'UPSTREAM_ERROR',
      message: '503',
    });
    failed(manager, 's1', 2, 'FIRST_TOKEN_TIMEOUT', 'failover');
    manager.emit('failover', {
      streamId: 's1',
      ...working,
      type: 'failover',
      fromModel: 'broken',
      fromProvider: 'openai',
      code: 'FIRST_TOKEN_TIMEOUT',
      message: 'no first token within 5000 ms',
    });
    manager.emit('complete', {
      streamId: 's1',
      ...working,
      type: 'complete',
      totalTokens: 2,
      usage: usage(10, 2),
      ttftMs: 40,
      durationMs: 90,
      tokensPerSecond: 10,
      finishReason: 'stop',
    });

    const { registry, names } = metrics;
    const brokenLabels = {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'broken',
    };
    const request = (labels: Record<string, string>) =>
      sampleValue(registry, names.aiRequests, labels);
    expect(await request({ ...brokenLabels, error_type: 'upstream_error' })).toBe(1);
    expect(await request({ ...brokenLabels, error_type: 'first_token_timeout' })).toBe(1);
    expect(await request({ gen_ai_request_model: 'working', status: 'success' })).toBe(1);
    expect(
      await sampleValue(registry, names.aiRetries, {
        ...brokenLabels,
        error_type: 'upstream_error',
      }),
    ).toBe(1);
    expect(
      await sampleValue(registry, names.aiFailovers, {
        ...brokenLabels,
        error_type: 'first_token_timeout',
      }),
    ).toBe(1);
  });

  it('counts the last failed attempt once, through the error event that follows it', async () => {
    const metrics = createMetrics({
      allowModels: ['broken'],
      costCalculator: createCostCalculator({ onUnknownModel: () => {} }),
    });
    const manager = new FakeStreamManager();
    instrumentStreams(metrics, manager);
    manager.start({ streamId: 's1', ...broken });
    failed(manager, 's1', 1, 'IDLE_TIMEOUT', 'none');
    manager.emit('error', {
      streamId: 's1',
      ...broken,
      type: 'error',
      code: 'IDLE_TIMEOUT',
      message: 'no chunk for 30000 ms',
      retryable: true,
      usage: usage(10, 3, true),
    });
    expect(
      await sampleValue(metrics.registry, metrics.names.aiRequests, {
        gen_ai_request_model: 'broken',
        status: 'error',
        error_type: 'idle_timeout',
      }),
    ).toBe(1);
  });
});

describe('instrumentStreams task types', () => {
  it('labels cost by the task_type a real llm-stream manager keeps in each stream metadata', async () => {
    const metrics = createMetrics();
    const manager = createStreamManager({ retry: false });
    const stop = instrumentStreams(metrics, manager);
    const source = () =>
      iterableSource(['Hello', ' there', ', friend'], { provider: 'openai', model: 'gpt-4o' });

    await manager.stream(source(), { metadata: { task_type: 'summary' } }).consume();
    await manager.stream(source(), { metadata: { task_type: 'summary' } }).consume();
    await manager.stream(source()).consume();

    const gpt = { gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o' };
    const summary = await sampleValue(metrics.registry, metrics.names.aiCost, {
      ...gpt,
      task_type: 'summary',
    });
    const fallback = await sampleValue(metrics.registry, metrics.names.aiCost, {
      ...gpt,
      task_type: 'default',
    });
    expect(summary).toBeGreaterThan(0);
    expect(fallback).toBeGreaterThan(0);
    expect(summary).toBeCloseTo(2 * (fallback as number), 12);
    stop();
  });

  it('takes metadata carried on the event, and a taskType function overrides the default', async () => {
    const metrics = createMetrics();
    const manager = new FakeStreamManager();
    const seen: unknown[] = [];
    const stop = instrumentStreams(metrics, manager, {
      taskType: (stream) => {
        seen.push(stream);
        return stream.metadata.endpoint === '/v1/summarize' ? 'summary' : undefined;
      },
    });
    const stream = { streamId: 's1', model: 'gpt-4o', provider: 'openai' };
    manager.emit('start', {
      ...stream,
      type: 'start',
      timestamp: 0,
      metadata: { endpoint: '/v1/summarize' },
    } as never);
    manager.emit('error', {
      ...stream,
      type: 'error',
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      usage: usage(1000, 200),
    });
    // Started before anyone listened and carrying nothing: the function sees `{}`, answers undefined.
    manager.emit('cancelled', {
      ...stream,
      streamId: 's2',
      type: 'cancelled',
      reason: 'client_disconnected',
      usage: usage(1000, 200),
    });

    const gpt = { gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o' };
    const { registry, names } = metrics;
    expect(await sampleValue(registry, names.aiCost, { ...gpt, task_type: 'summary' })).toBeCloseTo(
      0.0045,
      12,
    );
    expect(await sampleValue(registry, names.aiCost, { ...gpt, task_type: 'default' })).toBeCloseTo(
      0.0045,
      12,
    );
    expect(seen).toEqual([
      { ...stream, type: 'start', timestamp: 0, metadata: { endpoint: '/v1/summarize' } },
      {
        ...stream,
        streamId: 's2',
        type: 'cancelled',
        reason: 'client_disconnected',
        usage: usage(1000, 200),
        metadata: {},
      },
    ]);
    stop();
  });

  it('rejects a taskType that is not a function', () => {
    expect(() =>
      instrumentStreams(createMetrics(), new FakeStreamManager(), { taskType: 'summary' as never }),
    ).toThrow(new TypeError('taskType must be a function, got string'));
  });
});
