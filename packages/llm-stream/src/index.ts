export type { ActiveStreamInfo } from './active-stream-info.js';
export * from './adapters/index.js';
export { estimateTokens, tokenWeight } from './estimate-tokens.js';
export type { FailoverOptions } from './failover-options.js';
export { createManagedStream, type ManagedStream } from './managed-stream.js';
export {
  createMockProvider,
  type MockCompletion,
  type MockProvider,
  type MockProviderOptions,
  type MockProviderStats,
  type MockRequest,
} from './mock-provider.js';
export { isMockProviderError, MockProviderError } from './mock-provider-error.js';
export type { ProviderEvent, ProviderStreamSource } from './provider-event.js';
export type { RetryOptions } from './retry-options.js';
export {
  createSimulatedSource,
  type SimulatedReply,
  type SimulatedSourceOptions,
} from './simulated-source.js';
export {
  type DisconnectPolicy,
  formatSseMessage,
  pipeSse,
  type SseFastifyReply,
  type SseMessage,
  type SseNodeResponse,
  type SseOptions,
  type SseResponseOptions,
  serializeSseEvent,
  sseHeaders,
  toSseResponse,
} from './sse-writer.js';
export {
  isStreamError,
  StreamError,
  type StreamErrorCode,
  type StreamErrorOptions,
} from './stream-error.js';
export type {
  StreamAttemptFailedEvent,
  StreamCancelledEvent,
  StreamChunkEvent,
  StreamCompleteEvent,
  StreamEndEvent,
  StreamErrorEvent,
  StreamEvent,
  StreamEventBase,
  StreamFailoverEvent,
  StreamPartEvent,
  StreamReasoningEndEvent,
  StreamReasoningEvent,
  StreamRedactedReasoningEvent,
  StreamRefusalEvent,
  StreamRetryEvent,
  StreamStartEvent,
  StreamToolCallBase,
  StreamToolCallDeltaEvent,
  StreamToolCallEvent,
  StreamToolCallStartEvent,
  StreamUsage,
} from './stream-event.js';
export type {
  ExecuteGuard,
  GuardPermit,
  GuardRejection,
  PermitGuard,
  StreamGuard,
} from './stream-guard.js';
export {
  createStreamManager,
  type StreamManager,
  type StreamManagerEvents,
  type StreamManagerOptions,
} from './stream-manager.js';
export type {
  BufferOptions,
  StreamDefaults,
  StreamOptions,
  StreamSourceEntry,
  StreamSources,
} from './stream-options.js';
export {
  describeUpstreamFailure,
  isProviderFailure,
  type UpstreamFailure,
} from './upstream-failure.js';
export {
  pipeWebSocket,
  type WebSocketLike,
  type WebSocketWriterOptions,
} from './websocket-writer.js';
export {
  toWireEvent,
  type WireEvent,
  type WireEventBase,
  type WireUsage,
} from './wire-event.js';
