import {
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import EventEmitter from 'eventemitter3';
import { afterEach, describe, expect, it } from 'vitest';
import { traceStreams } from './trace-streams.js';

function useExporter() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, provider, tracer: provider.getTracer('test') };
}

const broken = { streamId: 's1', model: 'broken', provider: 'openai' };
const working = { streamId: 's1', model: 'working', provider: 'anthropic' };

/** The manager-level events of a failover-heavy stream: one retry, then a failover that succeeds. */
function failoverScenario(manager: EventEmitter) {
  manager.emit('start', { ...broken, type: 'start', timestamp: Date.now() });
  manager.emit('attempt_failed', {
    ...broken,
    type: 'attempt_failed',
    attempt: 1,
    code: 'UPSTREAM_ERROR',
    message: 'HTTP 503',
    status: 503,
    next: 'retry',
  });
  manager.emit('retry', {
    ...broken,
    type: 'retry',
    attempt: 2,
    delayMs: 100,
    code: 'UPSTREAM_ERROR',
    message: 'HTTP 503',
  });
  manager.emit('attempt_failed', {
    ...broken,
    type: 'attempt_failed',
    attempt: 2,
    code: 'FIRST_TOKEN_TIMEOUT',
    message: 'no first token within 5000 ms',
    next: 'failover',
  });
  manager.emit('failover', {
    ...working,
    type: 'failover',
    fromModel: 'broken',
    fromProvider: 'openai',
    code: 'FIRST_TOKEN_TIMEOUT',
    message: 'no first token within 5000 ms',
  });
  manager.emit('chunk', { ...working, type: 'chunk', content: 'Hello, secret reply' });
  manager.emit('complete', {
    ...working,
    type: 'complete',
    usage: { inputTokens: 12, outputTokens: 30, reasoningTokens: 8, estimated: false },
    ttftMs: 250,
    durationMs: 900,
    finishReason: 'stop',
  });
}

describe('traceStreams', () => {
  afterEach(() => {
    trace.disable();
  });

  it('makes one GenAI client span per model call, with every failed attempt, retry and failover as events', () => {
    const { exporter, tracer } = useExporter();
    const manager = new EventEmitter();
    const stop = traceStreams(manager, { tracer });
    failoverScenario(manager);

    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(span?.name).toBe('chat broken');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'broken',
      'gen_ai.response.model': 'working',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.reasoning.output_tokens': 8,
    });
    expect(span?.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'breakwater.attempt_failed',
        {
          'breakwater.attempt': 1,
          'breakwater.next': 'retry',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'broken',
          'error.type': 'upstream_error',
          'http.response.status_code': 503,
        },
      ],
      [
        'breakwater.retry',
        {
          'breakwater.attempt': 2,
          'breakwater.retry.delay_ms': 100,
          'error.type': 'upstream_error',
        },
      ],
      [
        'breakwater.attempt_failed',
        {
          'breakwater.attempt': 2,
          'breakwater.next': 'failover',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'broken',
          'error.type': 'first_token_timeout',
        },
      ],
      [
        'breakwater.failover',
        {
          'breakwater.failover.from_provider': 'openai',
          'breakwater.failover.from_model': 'broken',
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.request.model': 'working',
          'error.type': 'first_token_timeout',
        },
      ],
    ]);
    // Content capture is off: nothing of the reply reaches the span.
    expect(JSON.stringify(span?.attributes)).not.toContain('secret');

    stop();
    for (const event of ['start', 'attempt_failed', 'retry', 'failover', 'complete', 'error']) {
      expect(manager.listenerCount(event)).toBe(0);
    }
  });

  it('marks a failed stream with error.type and an error status, and ends open spans on unsubscribe', () => {
    const { exporter, tracer } = useExporter();
    const manager = new EventEmitter();
    const stop = traceStreams(manager, { tracer, operation: 'text_completion' });
    manager.emit('start', { ...broken, type: 'start' });
    manager.emit('error', {
      ...broken,
      type: 'error',
      code: 'IDLE_TIMEOUT',
      message: 'no chunk for 30000 ms',
      usage: { inputTokens: 5, outputTokens: 2, estimated: true },
    });
    manager.emit('start', { ...broken, streamId: 'left-open', type: 'start' });
    stop();

    const [failed, open] = exporter.getFinishedSpans();
    expect(failed?.name).toBe('text_completion broken');
    expect(failed?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'no chunk for 30000 ms',
    });
    expect(failed?.attributes).toMatchObject({
      'error.type': 'idle_timeout',
      'gen_ai.usage.output_tokens': 2,
      'breakwater.usage.estimated': true,
    });
    expect(open?.ended).toBe(true);
  });

  it('does no span work past startSpan when the tracer does not record', () => {
    const touched: string[] = [];
    const nonRecording = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    // Records every member read on the span the tracer hands out.
    const watched = new Proxy(nonRecording, {
      get(target, property, receiver) {
        touched.push(String(property));
        return Reflect.get(target, property, receiver);
      },
    }) as Span;
    let started = 0;
    const tracer = {
      startSpan: () => {
        started++;
        return watched;
      },
    } as unknown as Tracer;
    const manager = new EventEmitter();
    traceStreams(manager, { tracer });
    failoverScenario(manager);
    expect(started).toBe(1);
    expect(touched).toEqual(['isRecording', 'end']);
  });

  it('uses the global tracer provider by default: a no-op until one is registered', () => {
    const manager = new EventEmitter();
    const stop = traceStreams(manager);
    failoverScenario(manager);
    stop();

    const { exporter, provider } = useExporter();
    trace.setGlobalTracerProvider(provider);
    const traced = traceStreams(manager);
    failoverScenario(manager);
    traced();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['chat broken']);
    expect(exporter.getFinishedSpans()[0]?.instrumentationScope.name).toBe('@breakwater/metrics');
  });

  it('rejects a bad tracer, operation or manager', () => {
    const manager = new EventEmitter();
    expect(() => traceStreams(manager, { tracer: {} as never })).toThrow(
      new TypeError('tracer must be an OpenTelemetry Tracer'),
    );
    expect(() => traceStreams(manager, { operation: '' })).toThrow(TypeError);
    expect(() => traceStreams({} as never)).toThrow(
      new TypeError('manager must have on() and off()'),
    );
  });
});
