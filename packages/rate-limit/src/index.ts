export {
  createFallbackStore,
  type FallbackStore,
  type FallbackStoreOptions,
} from './fallback-store.js';
export { InvalidUsageError, isInvalidUsageError } from './invalid-usage-error.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export * from './middleware/index.js';
export type { PolicyDecision, RateLimitDecision, RateLimitReason } from './rate-limit-decision.js';
export type { RateLimitQuota } from './rate-limit-quota.js';
export type {
  HoldOutcome,
  RateLimitStore,
  StoreResetOptions,
  StoreStatusEvent,
} from './rate-limit-store.js';
export type { RateLimitTier, RateLimitWindow, TierName } from './rate-limit-tier.js';
export { createRateLimiter, type RateLimiter } from './rate-limiter.js';
export type {
  FallbackEngagedEvent,
  NearLimitEvent,
  RateLimitDecisionEvent,
  RateLimiterEvents,
  ReservationDecidedEvent,
  ReservationSettledEvent,
  StoreErrorEvent,
} from './rate-limiter-events.js';
export type {
  LimitOptions,
  QuotaOptions,
  RateLimiterOptions,
  ReserveOptions,
} from './rate-limiter-options.js';
export {
  createRedisStore,
  type RedisScriptClient,
  type RedisStore,
  type RedisStoreOptions,
} from './redis-store.js';
export { isReservationSettledError, ReservationSettledError } from './reservation-settled-error.js';
export { isStoreNotReadyError, StoreNotReadyError } from './store-not-ready-error.js';
export { isStoreTimeoutError, StoreTimeoutError } from './store-timeout-error.js';
export { isStoreUnavailableError, StoreUnavailableError } from './store-unavailable-error.js';
export { TIER_PRESETS, type TierLimits, tierFromLimits } from './tier-presets.js';
export type {
  ReservationSettlement,
  SettleOptions,
  TokenReservation,
} from './token-reservation.js';
export { isUnknownTierError, UnknownTierError } from './unknown-tier-error.js';
export type { WindowAlgorithm } from './window-algorithm.js';
