import type { PolicyDecision, RateLimitDecision } from '../rate-limit-decision.js';
import { isStructuredKey, serializeInteger, serializeString } from './structured-field.js';

/** Options for {@link formatRateLimitHeaders}. */
export interface RateLimitHeaderOptions {
  /**
   * Send the IETF draft-10 `RateLimit-Policy` and `RateLimit` fields.
   * @default true
   */
  readonly standardHeaders?: boolean | undefined;
  /**
   * Also send `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds)
   * for clients that predate the draft. They describe the same policy as the first `RateLimit` item.
   * @default false
   */
  readonly legacyHeaders?: boolean | undefined;
  /**
   * Vendor-prefixed `RateLimit-Policy` parameter that names the unit of token policies. The draft's
   * own `qu` parameter only takes registered units and there is no `tokens` unit, so a vendor
   * parameter carries it instead: `"tokens";q=50000;w=86400;breakwater-unit="tokens"`.
   * Must be a valid RFC 9651 key other than `q`, `qu`, `w` and `pk`.
   * @default 'breakwater-unit'
   */
  readonly tokenUnitParameter?: string | undefined;
  /**
   * Current time in epoch milliseconds, used to turn `resetAt` into delta seconds.
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
}

/** Header names (canonical case) mapped to their values. */
export type RateLimitHeaders = Record<string, string>;

/** Options after validation, with defaults applied. @internal */
export interface ResolvedHeaderOptions {
  readonly standardHeaders: boolean;
  readonly legacyHeaders: boolean;
  readonly tokenUnitParameter: string;
  readonly clock: () => number;
}

const RESERVED_PARAMETERS = new Set(['q', 'qu', 'w', 'pk', 'r', 't']);

/** Validates header options once, at construction. @internal */
export function resolveHeaderOptions(options: RateLimitHeaderOptions = {}): ResolvedHeaderOptions {
  const tokenUnitParameter = options.tokenUnitParameter ?? 'breakwater-unit';
  if (typeof tokenUnitParameter !== 'string' || !isStructuredKey(tokenUnitParameter)) {
    throw new TypeError(
      `tokenUnitParameter must be an RFC 9651 key (lowercase letter or *, then a-z 0-9 _ - . *), got ${JSON.stringify(tokenUnitParameter)}`,
    );
  }
  if (RESERVED_PARAMETERS.has(tokenUnitParameter)) {
    throw new TypeError(
      `tokenUnitParameter must not be a parameter the draft defines (q, qu, w, pk, r, t), got "${tokenUnitParameter}"`,
    );
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError(
      `clock must be a function returning epoch milliseconds, got ${typeof options.clock}`,
    );
  }
  return {
    standardHeaders: options.standardHeaders ?? true,
    legacyHeaders: options.legacyHeaders ?? false,
    tokenUnitParameter,
    clock: options.clock ?? Date.now,
  };
}

/**
 * Whether a decision must be enforced: denied and not in shadow mode.
 * Shadow decisions are reported and counted by the limiter but never block.
 */
export function isBlocking(decision: RateLimitDecision): boolean {
  return !decision.allowed && decision.shadow !== true;
}

/** Whole seconds until `epochMs`, rounded up and never negative (delay-seconds). */
export function secondsUntil(epochMs: number, now: number): number {
  const seconds = Math.ceil((epochMs - now) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** `Retry-After` in delta-seconds for a blocking decision: rounded up, at least 1. */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  const seconds = Math.ceil(decision.retryAfterMs / 1000);
  return Number.isFinite(seconds) && seconds > 1 ? seconds : 1;
}

/**
 * The policies the `RateLimit` field reports: the most relevant one per unit (requests, then tokens).
 * A violated policy wins (the one that frees last, since that one decides the wait); otherwise the
 * policy closest to exhaustion by remaining/limit. The draft lets a server omit policies of the same
 * unit that are further from exhaustion, but units differ, so each unit keeps its own item.
 */
export function selectReportedPolicies(decision: RateLimitDecision): PolicyDecision[] {
  const selected: PolicyDecision[] = [];
  for (const policy of decision.policies) {
    let slot = 0;
    while (slot < selected.length && selected[slot]!.unit !== policy.unit) slot++;
    if (slot === selected.length) selected.push(policy);
    else if (isMoreRelevant(policy, selected[slot]!)) selected[slot] = policy;
  }
  return selected;
}

function isMoreRelevant(candidate: PolicyDecision, current: PolicyDecision): boolean {
  if (candidate.allowed !== current.allowed) return !candidate.allowed;
  if (!candidate.allowed) return candidate.resetAt > current.resetAt;
  return remainingRatio(candidate) < remainingRatio(current);
}

function remainingRatio(policy: PolicyDecision): number {
  return policy.limit > 0 ? policy.remaining / policy.limit : 0;
}

/** Formats headers with options already validated. @internal */
export function formatResolvedHeaders(
  decision: RateLimitDecision,
  options: ResolvedHeaderOptions,
): RateLimitHeaders {
  const headers: RateLimitHeaders = {};
  const now = options.clock();
  const reported = selectReportedPolicies(decision);

  if (options.standardHeaders && decision.policies.length > 0) {
    headers['RateLimit-Policy'] = policyField(decision.policies, options.tokenUnitParameter);
    let limitField = '';
    for (const policy of reported) {
      if (limitField !== '') limitField += ', ';
      limitField += `${serializeString(policy.name)};r=${serializeInteger(Math.max(0, Math.floor(policy.remaining)))};t=${serializeInteger(secondsUntil(policy.resetAt, now))}`;
    }
    headers.RateLimit = limitField;
  }

  if (options.legacyHeaders) {
    const primary = reported[0] ?? decision;
    headers['X-RateLimit-Limit'] = String(Math.max(0, Math.floor(primary.limit)));
    headers['X-RateLimit-Remaining'] = String(Math.max(0, Math.floor(primary.remaining)));
    headers['X-RateLimit-Reset'] = String(Math.max(0, Math.ceil(primary.resetAt / 1000)));
  }

  if (isBlocking(decision)) {
    // The draft: Retry-After SHOULD NOT point earlier than the reset of a reported policy.
    let seconds = retryAfterSeconds(decision);
    for (const policy of reported) {
      if (!policy.allowed) seconds = Math.max(seconds, secondsUntil(policy.resetAt, now));
    }
    headers['Retry-After'] = String(seconds);
  }
  return headers;
}

function policyField(policies: readonly PolicyDecision[], tokenUnitParameter: string): string {
  let field = '';
  for (const policy of policies) {
    if (field !== '') field += ', ';
    // w is whole seconds and never zero; a sub-second window rounds up to 1.
    field += `${serializeString(policy.name)};q=${serializeInteger(Math.max(0, Math.floor(policy.limit)))};w=${serializeInteger(Math.max(1, Math.ceil(policy.windowMs / 1000)))}`;
    if (policy.unit === 'tokens') field += `;${tokenUnitParameter}="tokens"`;
  }
  return field;
}

/**
 * Formats the rate-limit response headers for one decision: `RateLimit-Policy` (every window, one
 * named policy each), `RateLimit` (remaining `r` and reset `t` of the most relevant policy per unit),
 * optional legacy `X-RateLimit-*`, and `Retry-After` (delta-seconds, rounded up) when the decision
 * blocks. Values follow draft-ietf-httpapi-ratelimit-headers-10 and RFC 9651.
 *
 * @example
 * formatRateLimitHeaders(decision);
 * // { 'RateLimit-Policy': '"minute";q=10;w=60, "hour";q=100;w=3600, "tokens";q=50000;w=86400;breakwater-unit="tokens"',
 * //   RateLimit: '"minute";r=9;t=60, "tokens";r=50000;t=86400' }
 */
export function formatRateLimitHeaders(
  decision: RateLimitDecision,
  options?: RateLimitHeaderOptions,
): RateLimitHeaders {
  return formatResolvedHeaders(decision, resolveHeaderOptions(options));
}
