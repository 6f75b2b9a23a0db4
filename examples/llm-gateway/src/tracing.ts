/**
 * OpenTelemetry traces of the gateway's model calls, exported over OTLP/HTTP (JSON) when the
 * standard variables ask for it: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, `/v1/traces` appended). The exporter reads the
 * other `OTEL_EXPORTER_OTLP_*` variables itself (headers, timeout, compression);
 * `OTEL_SERVICE_NAME` names the service; `OTEL_SDK_DISABLED=true` turns tracing off.
 */
import { type StreamTraceSource, traceStreams } from '@breakwater/metrics/tracing';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The service name traces carry when `OTEL_SERVICE_NAME` is not set. */
export const DEFAULT_SERVICE_NAME = 'breakwater-llm-gateway';

/** Tracing that runs; `close()` sends the spans still buffered, then stops. */
export interface GatewayTracing {
  close(): Promise<void>;
}

/** True when the environment names an OTLP endpoint for traces and does not disable the SDK. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Traces every stream of `streams` (one `chat {model}` span per model call, see
 * `traceStreams`) and exports the spans over OTLP/HTTP, when {@link tracingRequested};
 * otherwise does nothing and returns undefined.
 */
export function startTracing(streams: StreamTraceSource): GatewayTracing | undefined {
  if (!tracingRequested()) return undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': process.env.OTEL_SERVICE_NAME || DEFAULT_SERVICE_NAME,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const stop = traceStreams(streams, { tracer: provider.getTracer(DEFAULT_SERVICE_NAME) });
  return {
    async close() {
      stop();
      await provider.shutdown();
    },
  };
}
