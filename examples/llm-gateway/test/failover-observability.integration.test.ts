import { createServer, type IncomingMessage, type Server } from 'node:http';
import { traceStreams } from '@breakwater/metrics/tracing';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGateway, type Gateway } from '../src/gateway.js';
import { eventually, fastMock, postJson } from './helpers.js';

/** An OTLP/HTTP receiver: keeps the JSON body of every POST to /v1/traces. */
async function startOtlpReceiver(): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const read = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((request, response) => {
    read(request).then((text) => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(JSON.parse(text));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}`, bodies };
}

interface OtlpSpan {
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string }>;
}

function otlpSpans(bodies: unknown[]): OtlpSpan[] {
  return (
    bodies as Array<{ resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }>
  ).flatMap((body) =>
    body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
  );
}

/**
 * The failover-heavy scenario: `mock-broken` always fails, `mock` behind it works. Clients get
 * only successes, and yet metrics and traces show every failed call, retry and failover.
 */
describe('a model that always fails, behind one that works', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  }).getTracer('test');
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let gateway: Gateway;
  let url = '';
  let stopTracing: () => void = () => {};
  const calls = 4;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The gateway's own exporter: OTLP/HTTP to the receiver, as a collector would get it.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
    vi.stubEnv('OTEL_SERVICE_NAME', 'gateway-under-test');
    gateway = await buildGateway({
      logger: false,
      models: [fastMock('mock'), fastMock('mock-broken', { failureRate: 1 })],
      breaker: { failureThreshold: 1_000_000, openDurationMs: 30_000 },
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    stopTracing = traceStreams(gateway.streams, { tracer });
    url = await gateway.listen(0, '127.0.0.1');
    for (let call = 0; call < calls; call++) {
      const response = await postJson(`${url}/v1/chat/completions`, {
        model: 'mock-broken',
        messages: [{ role: 'user', content: `hello ${call}` }],
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  });

  afterAll(async () => {
    stopTracing();
    await gateway?.close();
    vi.unstubAllEnvs();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('shows every failed call, retry and failover in /metrics', async () => {
    await eventually(
      () => exporter.getFinishedSpans().length === calls,
      'every stream to end',
      10_000,
    );
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (series: string) => {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const broken =
      'gen_ai_operation_name="chat",gen_ai_provider_name="mock",gen_ai_request_model="mock-broken"';
    const working =
      'gen_ai_operation_name="chat",gen_ai_provider_name="mock",gen_ai_request_model="mock"';
    // Each call fails twice on mock-broken (the attempt and its retry), then mock answers.
    expect(
      value(`breakwater_ai_requests_total{${broken},status="error",error_type="upstream_error"}`),
    ).toBe(2 * calls);
    expect(value(`breakwater_ai_requests_total{${working},status="success"}`)).toBe(calls);
    expect(value(`breakwater_ai_retries_total{${broken},error_type="upstream_error"}`)).toBe(calls);
    expect(value(`breakwater_ai_failovers_total{${broken},error_type="upstream_error"}`)).toBe(
      calls,
    );
  });

  it('makes one span per call in the in-memory exporter, with the hidden failures as events', () => {
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(calls);
    for (const span of spans) {
      expect(span.name).toBe('chat mock-broken');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'mock',
        'gen_ai.request.model': 'mock-broken',
        'gen_ai.response.model': 'mock',
      });
      expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(span.events.map((event) => [event.name, event.attributes?.['error.type']])).toEqual([
        ['breakwater.attempt_failed', 'upstream_error'],
        ['breakwater.retry', 'upstream_error'],
        ['breakwater.attempt_failed', 'upstream_error'],
        ['breakwater.failover', 'upstream_error'],
      ]);
    }
  });

  it('exports the spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    // Closing flushes the batch processor.
    await gateway.close();
    const spans = otlpSpans(receiver.bodies);
    expect(spans.map((span) => span.name)).toEqual(Array(calls).fill('chat mock-broken'));
    expect(spans[0]?.attributes).toContainEqual({
      key: 'gen_ai.response.model',
      value: { stringValue: 'mock' },
    });
    expect(spans[0]?.events?.map((event) => event.name)).toContain('breakwater.failover');
    const resources = (
      receiver.bodies as Array<{
        resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] } }>;
      }>
    ).flatMap((body) => body.resourceSpans.map((resource) => resource.resource.attributes));
    expect(resources[0]).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'gateway-under-test' },
    });
  });
});
