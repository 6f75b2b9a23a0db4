import type { HttpConcurrencyOptions } from '../concurrency/http-concurrency.js';
import type { RateLimitDecision } from '../rate-limit-decision.js';
import type { RateLimitHeaderOptions } from './format-rate-limit-headers.js';
import type { RateLimiterLike } from './rate-limiter-like.js';

/**
 * Options shared by every framework adapter. `Request` is what the framework hands to a
 * middleware: `IncomingMessage` (node:http, Connect, Express), `FastifyRequest`, or Hono's `Context`.
 *
 * Callbacks are declared as methods so an annotation with your framework's richer request type
 * (`key(request: express.Request)`) type-checks.
 */
export interface RateLimitMiddlewareOptions<Request> extends RateLimitHeaderOptions {
  /** The limiter deciding each request, usually from `createRateLimiter`. */
  readonly limiter: RateLimiterLike;
  /**
   * Who is being limited. Resolve it from something the client cannot forge, such as an
   * authenticated user id or API key. Must return a non-empty string.
   * @default the client address: `req.ip` where the framework computes it under its own proxy-trust
   * setting (Express, Fastify), otherwise the socket's peer address; IPv6 masked to `ipv6Subnet`.
   */
  key?(request: Request): string | Promise<string>;
  /**
   * Which tier applies, typically from the authenticated account. A header the client sends is
   * never read unless you read it here.
   * @default undefined (the limiter's default tier)
   */
  tier?(request: Request): string | undefined | Promise<string | undefined>;
  /**
   * The endpoint the request is for: looked up in `endpointCosts` and passed to the limiter.
   * @default the route pattern where the framework knows it before the handler runs (Fastify),
   * otherwise the URL path without the query string
   */
  endpoint?(request: Request): string;
  /**
   * Cost multiplier per endpoint, matched exactly against `endpoint(request)`:
   * `{ '/api/chat': 2, '/api/stream': 3 }`. A request costs `cost(request)` (default 1) times its
   * endpoint's multiplier (default 1), the same rule as the limiter's own `endpointCosts`. The
   * middleware always passes `endpoint` to the limiter too, so set a multiplier in one place:
   * an endpoint listed in both is charged the product.
   * @default {}
   */
  readonly endpointCosts?: Readonly<Record<string, number>> | undefined;
  /**
   * Base cost of this request, computed per request (multiplied by `endpointCosts`).
   * Must return a finite number ≥ 0.
   * @default undefined (the limiter's default cost, 1)
   */
  cost?(request: Request): number | Promise<number>;
  /**
   * Return true to let a request through without asking the limiter and without headers
   * (health checks, internal callers).
   * @default undefined (never skip)
   */
  skip?(request: Request): boolean | Promise<boolean>;
  /**
   * Called before a blocking decision is answered with 429 (or 503 when the limiter's store is
   * down and it fails closed); for logging or metrics. A throw goes to the framework's error path.
   * @default undefined
   */
  onDenied?(decision: RateLimitDecision, request: Request): void | Promise<void>;
  /**
   * Called when `limiter.limit` rejects or does not settle within `timeoutMs` (with a
   * `TimeoutError` `DOMException`); with node:http and no `next`, also for a throwing callback.
   * @default undefined
   */
  onError?(error: unknown, request: Request): void;
  /**
   * When `limiter.limit` rejects or times out: `false` answers 503 problem+json,
   * `true` lets the request through without rate-limit headers.
   * @default false
   */
  readonly failOpen?: boolean | undefined;
  /**
   * How long to wait for `limiter.limit` before treating it as failed (the middleware answers
   * then; a late decision is ignored).
   * A positive number of milliseconds, or `Infinity` to wait for ever.
   * @default 5000
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Status for a blocking decision. 429 is the standard; some APIs use 403 or 503.
   * @default 429
   */
  readonly statusCode?: number | undefined;
  /**
   * Prefix length the default key keeps of an IPv6 client address (1–128), or `false` for the
   * full address. Ignored when you pass `key`.
   * @default 56
   */
  readonly ipv6Subnet?: number | false | undefined;
  /**
   * Enforces the tier's `concurrency` (requests of one key in flight) with a concurrency
   * limiter, after the request windows passed: a request holds a slot until its response is
   * over (finished, or closed by the client), and is answered 429 when none is free (or waits
   * up to `maxWaitMs`). Tiers without `concurrency` are not limited.
   * @default undefined (no concurrency limit)
   */
  readonly concurrency?: HttpConcurrencyOptions | undefined;
}
