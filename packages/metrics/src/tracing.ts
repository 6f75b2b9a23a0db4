/**
 * `@breakwater/metrics/tracing`: OpenTelemetry spans for model calls, and span events for
 * breaker rejections and rate-limit decisions. Needs the optional peer `@opentelemetry/api`;
 * the main entry never loads it.
 */
export {
  type BreakerTraceSource,
  type RateLimiterTraceSource,
  type TraceBreakerRejectedEvent,
  type TraceRateLimitDecisionEvent,
  traceBreakers,
  traceRateLimiter,
} from './trace-resilience.js';
export {
  type StreamTraceSource,
  TRACER_NAME,
  type TraceStreamAttemptFailedEvent,
  type TraceStreamCancelledEvent,
  type TraceStreamCompleteEvent,
  type TraceStreamErrorEvent,
  type TraceStreamEventBase,
  type TraceStreamFailoverEvent,
  type TraceStreamRetryEvent,
  type TraceStreamStartEvent,
  type TraceStreamsOptions,
  type TraceStreamUsage,
  traceStreams,
} from './trace-streams.js';
