import type { PolicyDecision, RateLimitDecision } from '../rate-limit-decision.js';

/** Media type of an RFC 9457 problem details body. */
export const PROBLEM_JSON = 'application/problem+json';

/** Problem type for a client over its quota (draft-ietf-httpapi-ratelimit-headers-10, section 5.1). */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** Problem type for a server that cannot decide right now (draft-ietf-httpapi-ratelimit-headers-10, section 5.2). */
export const TEMPORARY_REDUCED_CAPACITY_TYPE =
  'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity';

/**
 * An RFC 9457 problem details body for a rate-limited (429) or unavailable (503) response.
 * Members beyond RFC 9457's own are extension members: `violated-policies` from the draft,
 * `retry_after_ms`, `tier` and `policy` from Breakwater.
 */
export interface RateLimitProblem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Names of the policies whose quota this request would exceed. */
  readonly 'violated-policies': readonly string[];
  /** Milliseconds until the same request can pass (0 when unknown). */
  readonly retry_after_ms: number;
  /** Tier the decision was made for; absent when the limiter gave no decision. */
  readonly tier?: string;
  /** The violated policy that frees last, which decides the wait. */
  readonly policy?: string;
}

/**
 * Builds the 429 `quota-exceeded` problem for a blocking decision.
 *
 * @example
 * createQuotaExceededProblem(decision);
 * // { type: 'https://iana.org/assignments/http-problem-types#quota-exceeded', status: 429,
 * //   title: 'Request cannot be satisfied as assigned quota has been exceeded',
 * //   detail: 'Quota "minute" of 10 requests per 60 s is exhausted; retry in 42 s.',
 * //   'violated-policies': ['minute'], retry_after_ms: 41200, tier: 'FREE', policy: 'minute' }
 */
export function createQuotaExceededProblem(
  decision: RateLimitDecision,
  status = 429,
): RateLimitProblem {
  const violated = decision.policies.filter((policy) => !policy.allowed);
  // The violated policy that frees last decides how long the client waits.
  const reported = violated.reduce<PolicyDecision | undefined>(
    (latest, policy) => (latest === undefined || policy.resetAt > latest.resetAt ? policy : latest),
    undefined,
  );
  const retryAfterMs = Math.max(0, Math.ceil(decision.retryAfterMs));
  const retryIn = `retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
  const detail =
    reported === undefined
      ? `The ${decision.tier} tier quota is exhausted; ${retryIn}.`
      : `Quota "${reported.name}" of ${reported.limit} ${reported.unit} per ${Math.max(1, Math.ceil(reported.windowMs / 1000))} s is exhausted; ${retryIn}.`;
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status,
    detail,
    'violated-policies': violated.map((policy) => policy.name),
    retry_after_ms: retryAfterMs,
    tier: decision.tier,
    ...(reported === undefined ? {} : { policy: reported.name }),
  };
}

/**
 * Builds the 503 `temporary-reduced-capacity` problem: the limiter's store is unavailable and it
 * chose to fail closed, or (without `decision`) the limiter itself failed or timed out.
 */
export function createTemporaryReducedCapacityProblem(
  decision?: RateLimitDecision,
): RateLimitProblem {
  const retryAfterMs = decision === undefined ? 0 : Math.max(0, Math.ceil(decision.retryAfterMs));
  return {
    type: TEMPORARY_REDUCED_CAPACITY_TYPE,
    title: 'Request cannot be satisfied due to temporary server capacity constraints',
    status: 503,
    detail:
      decision === undefined
        ? 'The rate limiter could not decide on this request; try again later.'
        : 'The rate limiter store is unavailable; try again later.',
    'violated-policies':
      decision === undefined
        ? []
        : decision.policies.filter((policy) => !policy.allowed).map((policy) => policy.name),
    retry_after_ms: retryAfterMs,
    ...(decision === undefined ? {} : { tier: decision.tier }),
  };
}
