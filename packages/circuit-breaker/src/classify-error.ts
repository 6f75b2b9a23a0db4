import { type HeadersLike, parseDuration, retryAfterMsFromHeaders } from './retry-after.js';

/**
 * What an error means for a breaker:
 * - `failure`: counts against the dependency's health;
 * - `ignored`: counts as neither (the caller aborted, for example);
 * - `success`: the dependency answered properly (a 400 for a too-long prompt, for example);
 * - `open`: open the circuit at once for `retryAfterMs` (a 429 with Retry-After, by default).
 */
export type ErrorVerdict = 'failure' | 'ignored' | 'success' | 'open';

/** A verdict with the wait the server asked for, when it said. */
export interface ErrorClassification {
  /** What the error counts as. */
  readonly verdict: ErrorVerdict;
  /**
   * How long the server asked clients to wait, in milliseconds. When this outcome opens
   * the circuit, it is the open duration.
   */
  readonly retryAfterMs?: number | undefined;
}

/** Decides what an error thrown by a protected call means for the breaker. */
export type ErrorClassifier = (error: unknown) => ErrorVerdict | ErrorClassification;

/** Options for {@link createErrorClassifier}. */
export interface ErrorClassifierOptions {
  /**
   * What a 429 (or a provider's rate-limit error) does: `open` the circuit for its
   * Retry-After, count as a `failure`, or be `ignored`.
   * @default 'open'
   */
  readonly rateLimit?: 'open' | 'failure' | 'ignored';
  /**
   * What other 4xx responses (bad request, context length, content policy, auth, not
   * found) count as. They prove the dependency is up, so they are successes by default.
   * @default 'success'
   */
  readonly clientError?: 'success' | 'ignored' | 'failure';
  /**
   * What an error with no recognisable shape (no status, no known name or code) counts as.
   * @default 'failure'
   */
  readonly unknownError?: ErrorVerdict;
  /**
   * Per-status overrides, applied before every other rule, e.g. `{ 401: 'failure' }` to
   * fail over on a revoked key.
   * @default {}
   */
  readonly statuses?: Readonly<Record<number, ErrorVerdict>>;
  /**
   * Upper bound for a Retry-After taken from a response, in milliseconds, so a wild
   * header cannot hold a circuit open for hours.
   * @default 300_000
   */
  readonly maxRetryAfterMs?: number;
}

const VERDICTS: readonly ErrorVerdict[] = ['failure', 'ignored', 'success', 'open'];

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new TypeError(
      `${name} must be ${allowed.map((entry) => `'${entry}'`).join(', ')}, got ${String(value)}`,
    );
  }
}

const ABORT_NAMES = new Set(['AbortError', 'APIUserAbortError']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'APIConnectionTimeoutError', 'BreakerTimeoutError']);
const CONNECTION_NAMES = new Set(['APIConnectionError', 'FetchError', 'ConnectTimeoutError']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'BREAKER_TIMEOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
// Provider error types seen without an HTTP status, e.g. in-band stream error events.
// `overloaded` and `rate_limited` are llm-stream's `ProviderError` codes for in-stream errors.
const PROVIDER_FAILURE_TYPES = new Set([
  'overloaded',
  'overloaded_error',
  'api_error',
  'server_error',
  'service_unavailable',
  'UNAVAILABLE',
  'INTERNAL',
  'DEADLINE_EXCEEDED',
]);
const PROVIDER_RATE_LIMIT_TYPES = new Set([
  'rate_limited',
  'rate_limit_error',
  'rate_limit_exceeded',
  'RESOURCE_EXHAUSTED',
]);
const PROVIDER_CLIENT_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'context_length_exceeded',
  'content_filter',
  'content_policy_violation',
  'invalid_api_key',
  'insufficient_quota',
  'INVALID_ARGUMENT',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'FAILED_PRECONDITION',
]);

/**
 * Builds a classifier for HTTP and LLM-provider errors. It reads errors structurally
 * (status, headers, a numeric `retryAfterMs`, name, code, provider error type, `cause`), so
 * it understands the official `openai`, `@anthropic-ai/sdk` and `@google/genai` errors,
 * normalized errors such as llm-stream's `ProviderError`, thrown fetch
 * `Response`s, axios-style `error.response`, and Node network errors, without importing
 * any SDK.
 *
 * Rules, in order: the caller's abort is ignored; timeouts and connection errors are
 * failures; 5xx (529 too) and 408 are failures; 429 follows `rateLimit`; other 4xx follow
 * `clientError`; anything else is `unknownError`.
 */
export function createErrorClassifier(options: ErrorClassifierOptions = {}): ErrorClassifier {
  const rateLimit = options.rateLimit ?? 'open';
  const clientError = options.clientError ?? 'success';
  const unknownError = options.unknownError ?? 'failure';
  const statuses = options.statuses ?? {};
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  oneOf('rateLimit', rateLimit, ['open', 'failure', 'ignored']);
  oneOf('clientError', clientError, ['success', 'ignored', 'failure']);
  oneOf('unknownError', unknownError, VERDICTS);
  if (typeof statuses !== 'object' || statuses === null) {
    throw new TypeError(`statuses must be an object of status → verdict, got ${String(statuses)}`);
  }
  for (const [status, verdict] of Object.entries(statuses)) {
    const code = Number(status);
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new RangeError(`statuses keys must be HTTP statuses 100–599, got ${status}`);
    }
    oneOf(`statuses[${status}]`, verdict, VERDICTS);
  }
  if (typeof maxRetryAfterMs !== 'number' || !(maxRetryAfterMs >= 0)) {
    throw new RangeError(`maxRetryAfterMs must be ≥ 0, got ${String(maxRetryAfterMs)}`);
  }
  const withRetryAfter = (verdict: ErrorVerdict, retryAfterMs: number | undefined) =>
    retryAfterMs === undefined
      ? verdict
      : { verdict, retryAfterMs: Math.min(retryAfterMs, maxRetryAfterMs) };

  return (error) => {
    let current: unknown = error;
    // Bounded walk down `cause`: SDKs wrap fetch errors, which wrap socket errors.
    for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
      const value = current as ErrorShape;
      const name = errorName(value);
      if (name !== undefined && ABORT_NAMES.has(name)) return 'ignored';
      const code = typeof value.code === 'string' ? value.code : undefined;
      if ((name !== undefined && TIMEOUT_NAMES.has(name)) || (code && TIMEOUT_CODES.has(code))) {
        return 'failure';
      }
      const status = statusOf(value);
      if (status !== undefined) {
        const override = statuses[status];
        if (override !== undefined) return withRetryAfter(override, retryAfterOf(value));
        if (status < 400) return 'success';
        if (status === 429) return withRetryAfter(rateLimit, retryAfterOf(value));
        if (status >= 500 || status === 408) return withRetryAfter('failure', retryAfterOf(value));
        return clientError;
      }
      const type = providerType(value);
      if (type !== undefined) {
        if (PROVIDER_RATE_LIMIT_TYPES.has(type))
          return withRetryAfter(rateLimit, retryAfterOf(value));
        if (PROVIDER_FAILURE_TYPES.has(type)) return 'failure';
        if (PROVIDER_CLIENT_TYPES.has(type)) return clientError;
      }
      if (
        (name !== undefined && CONNECTION_NAMES.has(name)) ||
        (code && CONNECTION_CODES.has(code))
      ) {
        return 'failure';
      }
      current = value.cause;
    }
    return unknownError;
  };
}

/**
 * The default classifier: {@link createErrorClassifier} with its defaults. 429 opens the
 * circuit for its Retry-After; 5xx, 529, 408, timeouts and connection errors are failures;
 * other 4xx are successes; the caller's abort is ignored; unknown errors are failures.
 */
export const classifyError: ErrorClassifier = createErrorClassifier();

/** Normalises a classifier's answer. */
export function toClassification(answer: ErrorVerdict | ErrorClassification): ErrorClassification {
  return typeof answer === 'string' ? { verdict: answer } : answer;
}

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly type?: unknown;
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly headers?: unknown;
  readonly retryAfterMs?: unknown;
  readonly message?: unknown;
  readonly error?: unknown;
  readonly response?: { readonly status?: unknown; readonly headers?: unknown } | null;
  readonly cause?: unknown;
}

function errorName(value: ErrorShape): string | undefined {
  const name = value.name;
  // openai's errors keep the generic name `Error`; their class name is the signal.
  if (typeof name === 'string' && name !== 'Error') return name;
  const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === 'string' ? constructorName : undefined;
}

function statusOf(value: ErrorShape): number | undefined {
  const status =
    typeof value.status === 'number'
      ? value.status
      : typeof value.statusCode === 'number'
        ? value.statusCode
        : typeof value.response?.status === 'number'
          ? value.response.status
          : undefined;
  return status !== undefined && status >= 100 && status < 600 ? status : undefined;
}

function headersOf(value: ErrorShape): HeadersLike | undefined {
  const headers = value.headers ?? value.response?.headers;
  return headers !== null && typeof headers === 'object' ? (headers as HeadersLike) : undefined;
}

// How far `retryAfterOf` looks down `cause`: a wrapper, the SDK error, its fetch failure.
const RETRY_AFTER_CAUSE_DEPTH = 3;

/**
 * The wait the server asked for: a numeric `retryAfterMs` already parsed by a wrapper
 * (llm-stream's `ProviderError`), else the headers or Google's RetryInfo, on the error
 * and then on its `cause` chain.
 */
function retryAfterOf(value: ErrorShape): number | undefined {
  let current: unknown = value;
  for (
    let depth = 0;
    depth <= RETRY_AFTER_CAUSE_DEPTH && current !== null && typeof current === 'object';
    depth++
  ) {
    const shape = current as ErrorShape;
    const own = shape.retryAfterMs;
    if (typeof own === 'number' && Number.isFinite(own) && own >= 0) return Math.round(own);
    const fromHeaders = retryAfterMsFromHeaders(headersOf(shape));
    if (fromHeaders !== undefined) return fromHeaders;
    // Google APIs put the wait in the body: details[{ '@type': '...RetryInfo', retryDelay: '30s' }].
    if (typeof shape.message === 'string') {
      const match = /"retryDelay"\s*:\s*"([^"]+)"/.exec(shape.message);
      if (match) {
        const fromBody = parseDuration(match[1]);
        if (fromBody !== undefined) return fromBody;
      }
    }
    if (shape.cause === current) break;
    current = shape.cause;
  }
  return undefined;
}

function providerType(value: ErrorShape): string | undefined {
  // openai: error.type / error.code; anthropic: error.error.error.type; genai: body status.
  const body = value.error as
    | { type?: unknown; code?: unknown; error?: { type?: unknown; status?: unknown } }
    | undefined;
  const candidates = [
    value.type,
    typeof value.code === 'string' ? value.code : undefined,
    body?.type,
    body?.code,
    body?.error?.type,
    body?.error?.status,
  ];
  for (const candidate of candidates) {
    if (
      typeof candidate === 'string' &&
      (PROVIDER_RATE_LIMIT_TYPES.has(candidate) ||
        PROVIDER_FAILURE_TYPES.has(candidate) ||
        PROVIDER_CLIENT_TYPES.has(candidate))
    ) {
      return candidate;
    }
  }
  return undefined;
}
