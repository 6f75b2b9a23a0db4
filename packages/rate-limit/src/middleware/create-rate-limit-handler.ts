import {
  acquireRequestSlot,
  addConcurrencyHeaders,
  concurrencyRetryAfter,
  createConcurrencyExceededProblem,
} from '../concurrency/http-concurrency.js';
import type { RateLimitDecision } from '../rate-limit-decision.js';
import { clientAddressKey } from './client-address-key.js';
import {
  formatResolvedHeaders,
  isBlocking,
  type RateLimitHeaders,
  resolveHeaderOptions,
} from './format-rate-limit-headers.js';
import {
  createQuotaExceededProblem,
  createTemporaryReducedCapacityProblem,
  PROBLEM_JSON,
  type RateLimitProblem,
} from './problem-details.js';
import type { RateLimitMiddlewareOptions } from './rate-limit-middleware-options.js';
import type { LimitCallOptions } from './rate-limiter-like.js';

/** What the framework knows about a request without any option: used by the defaults. */
export interface RateLimitRequestInfo {
  /** The client address for the default key (`undefined` if the connection is gone). */
  clientAddress(): string | undefined;
  /** The path (or route pattern) for the default endpoint. */
  path(): string;
  /**
   * Aborts when the client goes away; asked only while a request waits for a concurrency slot.
   * @default no signal (the wait ends at `maxWaitMs`)
   */
  signal?(): AbortSignal | undefined;
}

/** Let the request continue, with these headers on its response. */
export interface RateLimitContinue {
  readonly action: 'continue';
  /** Empty when the request was skipped or the limiter failed open. */
  readonly headers: RateLimitHeaders;
  /** Absent when the request was skipped or the limiter failed open. */
  readonly decision?: RateLimitDecision;
  /**
   * Present when the request holds a concurrency slot: call it once the response is over
   * (finished, or closed by the client). Calling it again does nothing.
   */
  readonly release?: () => Promise<void>;
}

/** Answer the request now with a problem+json body. */
export interface RateLimitRespond {
  readonly action: 'respond';
  readonly status: number;
  /** Includes `Content-Type: application/problem+json`. */
  readonly headers: RateLimitHeaders;
  readonly body: RateLimitProblem;
  /** Absent when the limiter failed or timed out (a 503 without a decision). */
  readonly decision?: RateLimitDecision;
}

/** The outcome of {@link RateLimitHandler} for one request. */
export type RateLimitOutcome = RateLimitContinue | RateLimitRespond;

/**
 * Decides one request. Rejects only when one of your callbacks throws or returns an invalid
 * value (a broken contract, for the framework's error path); limiter failures become outcomes.
 */
export type RateLimitHandler<Request> = (
  request: Request,
  info: RateLimitRequestInfo,
) => Promise<RateLimitOutcome>;

const MAX_TIMEOUT_MS = 2_147_483_647;
const SKIPPED: RateLimitContinue = Object.freeze({ action: 'continue', headers: {} });

/**
 * Creates the framework-neutral core the node:http, Fastify and Hono adapters share. Use it to
 * adapt another framework: call it per request, copy `headers` onto the response, and when
 * `action` is `'respond'` send `status` with `JSON.stringify(body)`.
 */
export function createRateLimitHandler<Request>(
  options: RateLimitMiddlewareOptions<Request>,
): RateLimitHandler<Request> {
  validateOptions(options);
  const headerOptions = resolveHeaderOptions(options);
  const { limiter, endpointCosts = {} } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const statusCode = options.statusCode ?? 429;
  const failOpen = options.failOpen ?? false;
  const ipv6Subnet = options.ipv6Subnet ?? 56;

  async function decide(request: Request, key: string, call: LimitCallOptions) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const pending = limiter.limit(key, call);
      // No AbortSignal is passed: creating one costs ~20 µs per request on Node 20, and aborting
      // would only stop the limiter waiting, which this race already does.
      const decision =
        timeoutMs === Number.POSITIVE_INFINITY
          ? await pending
          : await Promise.race([
              pending,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => {
                  reject(
                    new DOMException(
                      `limiter.limit did not settle within ${timeoutMs} ms`,
                      'TimeoutError',
                    ),
                  );
                }, timeoutMs);
              }),
            ]);
      if (!isDecision(decision)) {
        throw new TypeError(
          `limiter.limit must resolve to a RateLimitDecision, got ${describe(decision)}`,
        );
      }
      return decision;
    } catch (error) {
      options.onError?.(error, request);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Holds a concurrency slot for a request the windows let through (see `concurrency`). */
  async function takeSlot(
    request: Request,
    key: string,
    limit: number,
    decision: RateLimitDecision,
    headers: RateLimitHeaders,
    info: RateLimitRequestInfo,
  ): Promise<RateLimitOutcome> {
    const concurrency = options.concurrency!;
    const signal = (concurrency.maxWaitMs ?? 0) > 0 ? info.signal?.() : undefined;
    const slot = await acquireRequestSlot(concurrency, key, limit, signal);
    if (slot.kind === 'failed') {
      options.onError?.(slot.error, request);
      if (failOpen) return { action: 'continue', headers, decision };
      return storeUnavailableResponse();
    }
    if (slot.kind === 'granted') {
      if (headerOptions.standardHeaders) addConcurrencyHeaders(headers, limit, slot.inFlight);
      return { action: 'continue', headers, decision, release: () => slot.lease.release() };
    }
    if (headerOptions.standardHeaders) addConcurrencyHeaders(headers, limit, limit);
    headers['Retry-After'] = concurrencyRetryAfter();
    headers['Content-Type'] = PROBLEM_JSON;
    const body = createConcurrencyExceededProblem(slot.rejection, decision.tier);
    return { action: 'respond', status: body.status, headers, body, decision };
  }

  return async (request, info) => {
    if (options.skip !== undefined && (await options.skip(request)) === true) return SKIPPED;

    const key =
      options.key === undefined ? defaultKey(info, ipv6Subnet) : await options.key(request);
    if (typeof key !== 'string' || key === '') {
      throw new TypeError(`key must return a non-empty string, got ${describe(key)}`);
    }
    const tier = options.tier === undefined ? undefined : await options.tier(request);
    if (tier !== undefined && (typeof tier !== 'string' || tier === '')) {
      throw new TypeError(
        `tier must return a non-empty string or undefined, got ${describe(tier)}`,
      );
    }
    const endpoint = options.endpoint === undefined ? info.path() : options.endpoint(request);
    if (typeof endpoint !== 'string') {
      throw new TypeError(`endpoint must return a string, got ${describe(endpoint)}`);
    }
    const base = options.cost === undefined ? undefined : await options.cost(request);
    if (base !== undefined && !(typeof base === 'number' && Number.isFinite(base) && base >= 0)) {
      throw new RangeError(`cost must return a finite number ≥ 0, got ${describe(base)}`);
    }
    const multiplier = Object.hasOwn(endpointCosts, endpoint) ? endpointCosts[endpoint] : undefined;
    const cost = multiplier === undefined ? base : (base ?? 1) * multiplier;

    const call: LimitCallOptions = {
      endpoint,
      ...(tier === undefined ? {} : { tier }),
      ...(cost === undefined ? {} : { cost }),
    };
    const decision = await decide(request, key, call);

    if (decision === undefined) {
      if (failOpen) return SKIPPED;
      return storeUnavailableResponse();
    }

    const headers = formatResolvedHeaders(decision, headerOptions);
    if (!isBlocking(decision)) {
      const limit = decision.concurrency;
      if (options.concurrency === undefined || limit === undefined)
        return { action: 'continue', headers, decision };
      return takeSlot(request, key, limit, decision, headers, info);
    }

    await options.onDenied?.(decision, request);
    // A fail-closed decision on a broken store is the server's problem, not the client's quota.
    const body =
      decision.reason === 'store-unavailable'
        ? createTemporaryReducedCapacityProblem(decision)
        : createQuotaExceededProblem(decision, statusCode);
    if (body.status === 503 && decision.retryAfterMs <= 0) delete headers['Retry-After'];
    headers['Content-Type'] = PROBLEM_JSON;
    return { action: 'respond', status: body.status, headers, body, decision };
  };
}

/** The 503 problem+json sent, fail-closed, when a store could not answer. */
function storeUnavailableResponse(): RateLimitRespond {
  const body = createTemporaryReducedCapacityProblem();
  return {
    action: 'respond',
    status: body.status,
    headers: { 'Content-Type': PROBLEM_JSON },
    body,
  };
}

function defaultKey(info: RateLimitRequestInfo, ipv6Subnet: number | false): string {
  const address = info.clientAddress();
  if (address === undefined || address === '') {
    throw new TypeError(
      'could not determine the client address for the default key (connection closed, or a runtime without one); pass a key resolver',
    );
  }
  return clientAddressKey(address, ipv6Subnet);
}

function isDecision(value: unknown): value is RateLimitDecision {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RateLimitDecision).allowed === 'boolean' &&
    Array.isArray((value as RateLimitDecision).policies)
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return typeof value;
}

function validateOptions<Request>(options: RateLimitMiddlewareOptions<Request>): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const limiter: unknown = options.limiter;
  if (
    typeof limiter !== 'object' ||
    limiter === null ||
    typeof (limiter as { limit?: unknown }).limit !== 'function'
  ) {
    throw new TypeError('limiter must be an object with a limit(key, options) method');
  }
  for (const name of ['key', 'tier', 'endpoint', 'cost', 'skip', 'onDenied', 'onError'] as const) {
    const callback: unknown = options[name];
    if (callback !== undefined && typeof callback !== 'function') {
      throw new TypeError(`${name} must be a function, got ${describe(callback)}`);
    }
  }
  if (options.endpointCosts !== undefined) {
    if (typeof options.endpointCosts !== 'object' || options.endpointCosts === null) {
      throw new TypeError(
        `endpointCosts must be an object, got ${describe(options.endpointCosts)}`,
      );
    }
    for (const [endpoint, cost] of Object.entries(options.endpointCosts)) {
      if (!(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) {
        throw new RangeError(
          `endpointCosts[${JSON.stringify(endpoint)}] must be a finite number ≥ 0, got ${describe(cost)}`,
        );
      }
    }
  }
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    timeoutMs !== Number.POSITIVE_INFINITY &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)
  ) {
    throw new RangeError(
      `timeoutMs must be > 0 and ≤ ${MAX_TIMEOUT_MS}, or Infinity, got ${describe(timeoutMs)}`,
    );
  }
  const { statusCode } = options;
  if (
    statusCode !== undefined &&
    !(Number.isInteger(statusCode) && statusCode >= 400 && statusCode <= 599)
  ) {
    throw new RangeError(
      `statusCode must be an integer from 400 to 599, got ${describe(statusCode)}`,
    );
  }
  const { ipv6Subnet } = options;
  if (
    ipv6Subnet !== undefined &&
    ipv6Subnet !== false &&
    !(Number.isInteger(ipv6Subnet) && ipv6Subnet >= 1 && ipv6Subnet <= 128)
  ) {
    throw new RangeError(
      `ipv6Subnet must be an integer from 1 to 128 or false, got ${describe(ipv6Subnet)}`,
    );
  }
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') {
    throw new TypeError(`failOpen must be a boolean, got ${describe(options.failOpen)}`);
  }
}
