export type {
  BreakerEvents,
  FailureEvent,
  IgnoredEvent,
  RejectedEvent,
  SlowCallEvent,
  StateChangeEvent,
  SuccessEvent,
} from './breaker-events.js';
export type { BreakerPermit } from './breaker-permit.js';
export {
  type BreakerDefaults,
  type BreakerRegistry,
  type BreakerRegistryOptions,
  createBreakerRegistry,
} from './breaker-registry.js';
export type { BreakerRejection } from './breaker-rejection.js';
export type { BreakerSettings, ResolvedBreakerSettings } from './breaker-settings.js';
export type { BreakerMetrics, BreakerSnapshot } from './breaker-snapshot.js';
export type { BreakerState, StateChangeReason } from './breaker-state.js';
export type {
  BreakerStateStore,
  SharedBreakerState,
  SharedBreakerView,
} from './breaker-state-store.js';
export { BreakerTimeoutError, isBreakerTimeoutError } from './breaker-timeout-error.js';
export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
  type ExecuteFailure,
  type ExecuteOptions,
  type ExecuteResult,
  type FallbackContext,
} from './circuit-breaker.js';
export {
  CircuitOpenError,
  type CircuitOpenErrorOptions,
  isCircuitOpenError,
} from './circuit-open-error.js';
export {
  classifyError,
  createErrorClassifier,
  type ErrorClassification,
  type ErrorClassifier,
  type ErrorClassifierOptions,
  type ErrorVerdict,
  toClassification,
} from './classify-error.js';
export {
  type ExponentialOpenDurationOptions,
  exponentialOpenDuration,
  type OpenDurationContext,
  type OpenDurationFunction,
} from './open-duration.js';
export type { CountWindowOptions, TimeWindowOptions, WindowOptions } from './outcome-window.js';
export {
  createRedisBreakerStore,
  type RedisBreakerStore,
  type RedisBreakerStoreEvents,
  type RedisBreakerStoreOptions,
  type RedisScriptClient,
} from './redis-breaker-store.js';
export { type HeadersLike, retryAfterMsFromHeaders } from './retry-after.js';
