export { clientAddressKey } from './client-address-key.js';
export {
  createHonoRateLimit,
  type HonoContextLike,
  type HonoRateLimitMiddleware,
  type HonoRateLimitOptions,
} from './create-hono-rate-limit.js';
export {
  createRateLimitHandler,
  type RateLimitContinue,
  type RateLimitHandler,
  type RateLimitOutcome,
  type RateLimitRequestInfo,
  type RateLimitRespond,
} from './create-rate-limit-handler.js';
export {
  createRateLimitMiddleware,
  type NodeRateLimitMiddleware,
} from './create-rate-limit-middleware.js';
export {
  type FastifyInstanceLike,
  type FastifyRateLimitOptions,
  type FastifyRateLimitPlugin,
  type FastifyReplyLike,
  type FastifyRequestLike,
  fastifyRateLimit,
} from './fastify-rate-limit.js';
export {
  formatRateLimitHeaders,
  type RateLimitHeaderOptions,
  type RateLimitHeaders,
  selectReportedPolicies,
} from './format-rate-limit-headers.js';
export {
  createQuotaExceededProblem,
  createTemporaryReducedCapacityProblem,
  PROBLEM_JSON,
  QUOTA_EXCEEDED_TYPE,
  type RateLimitProblem,
  TEMPORARY_REDUCED_CAPACITY_TYPE,
} from './problem-details.js';
export type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';
export type { LimitCallOptions, RateLimiterLike } from './rate-limiter-like.js';
