export type {
  ConcurrencyDecision,
  ConcurrencyGrant,
  ConcurrencyRejection,
} from './concurrency/concurrency-decision.js';
export type { ConcurrencyLease } from './concurrency/concurrency-lease.js';
export {
  type AcquireOptions,
  type ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  createConcurrencyLimiter,
} from './concurrency/concurrency-limiter.js';
export type {
  ConcurrencyAcquiredEvent,
  ConcurrencyLeaseLostEvent,
  ConcurrencyLimiterEvents,
  ConcurrencyQueuedEvent,
  ConcurrencyRejectedEvent,
  ConcurrencyRejectionReason,
  ConcurrencyReleasedEvent,
  ConcurrencyStoreErrorEvent,
} from './concurrency/concurrency-limiter-events.js';
export type {
  ConcurrencyAcquireCall,
  ConcurrencyAcquireReply,
  ConcurrencyReleaseCall,
  ConcurrencyRenewCall,
  ConcurrencyStore,
} from './concurrency/concurrency-store.js';
export type {
  ConcurrencyLimiterLike,
  HttpConcurrencyOptions,
} from './concurrency/http-concurrency.js';
export { isLeaseLostError, LeaseLostError } from './concurrency/lease-lost-error.js';
export {
  createMemoryConcurrencyStore,
  type MemoryConcurrencyStore,
  type MemoryConcurrencyStoreOptions,
} from './concurrency/memory-concurrency-store.js';
export {
  type ConcurrencyRedisClient,
  createRedisConcurrencyStore,
  type RedisConcurrencyStore,
  type RedisConcurrencyStoreOptions,
} from './concurrency/redis-concurrency-store.js';
export {
  createFallbackStore,
  type FallbackStore,
  type FallbackStoreOptions,
} from './fallback-store.js';
export { InvalidUsageError, isInvalidUsageError } from './invalid-usage-error.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export * from './middleware/index.js';
export type { HeadersLike, QuotaBucketName } from './provider-quota/provider-headers.js';
export {
  createProviderQuotaTracker,
  type ProviderQuotaDecision,
  type ProviderQuotaLimit,
  type ProviderQuotaSnapshot,
  type ProviderQuotaTracker,
  type ProviderQuotaTrackerOptions,
  type ProviderResponseInfo,
} from './provider-quota/provider-quota-tracker.js';
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
