import { type HeadersLike, parseRetryAfterMs, readHeader } from '../retry-after.js';

const brand = Symbol.for('breakwater.llm-stream.ProviderError');

/**
 * What went wrong with a provider call, in one vocabulary for every provider:
 * - `rate_limited`: 429, `rate_limit_error`, `RESOURCE_EXHAUSTED` (retryable);
 * - `overloaded`: 503, Anthropic 529 / `overloaded_error`, Gemini `UNAVAILABLE` (retryable);
 * - `server_error`: other 5xx, `api_error`, `server_error`, `INTERNAL` (retryable);
 * - `timeout`: 408, 504, `timeout_error`, `DEADLINE_EXCEEDED`, client timeouts (retryable);
 * - `connection`: the connection failed or dropped (retryable);
 * - `conflict`: 409 (retryable, as the OpenAI SDK does);
 * - `incomplete_stream`: the stream ended without the provider's terminal event (retryable);
 * - `quota_exceeded`: billing or quota exhausted (OpenAI `insufficient_quota`, Anthropic 402);
 * - `authentication`, `permission_denied`, `not_found`, `invalid_request`: the request must change;
 * - `content_filter`: the provider refused the prompt (Gemini `promptFeedback.blockReason`);
 * - `aborted`: the caller aborted the request;
 * - `unknown`: anything else (not retryable).
 */
export type ProviderErrorCode =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'conflict'
  | 'incomplete_stream'
  | 'quota_exceeded'
  | 'authentication'
  | 'permission_denied'
  | 'not_found'
  | 'invalid_request'
  | 'content_filter'
  | 'aborted'
  | 'unknown';

/** Codes whose errors are retryable by default: the same request may succeed if sent again. */
export const RETRYABLE_CODES: ReadonlySet<ProviderErrorCode> = new Set<ProviderErrorCode>([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'connection',
  'conflict',
  'incomplete_stream',
]);

/** Fields of a {@link ProviderError}. */
export interface ProviderErrorOptions {
  readonly code: ProviderErrorCode;
  readonly message: string;
  /** @default the provider's `x-should-retry` header if any, else whether `code` is retryable */
  readonly retryable?: boolean;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly provider?: string | undefined;
  readonly providerCode?: string | undefined;
  readonly requestId?: string | undefined;
  readonly cause?: unknown;
}

/**
 * A provider call failed: an HTTP error before the stream, an error event in the middle
 * of it, a dropped connection or a stream that ended early. Adapters throw this from
 * `open()` and from their iterators; {@link toProviderError} builds it from any SDK error.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** Stable, provider-neutral cause; see {@link ProviderErrorCode}. */
  readonly code: ProviderErrorCode;
  /** Whether the same request may succeed if sent again (after `retryAfterMs`, if set). */
  readonly retryable: boolean;
  /** HTTP status of the failed response; `undefined` for errors inside a 200 stream and for network failures. */
  readonly status: number | undefined;
  /** How long the provider asked to wait, from `retry-after-ms`, `retry-after` or Gemini's `RetryInfo`. */
  readonly retryAfterMs: number | undefined;
  /** `openai`, `anthropic`, `gemini`, ... when known. */
  readonly provider: string | undefined;
  /** The provider's own error type or code, e.g. `overloaded_error`, `rate_limit_exceeded`, `RESOURCE_EXHAUSTED`. */
  readonly providerCode: string | undefined;
  /** The provider's request id (`x-request-id`, `request-id`), when it sent one. */
  readonly requestId: string | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(options.code);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.providerCode = options.providerCode;
    this.requestId = options.requestId;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** Whether `value` is a {@link ProviderError}, even one from another copy of this package. */
export function isProviderError(value: unknown): value is ProviderError {
  return typeof value === 'object' && value !== null && brand in value;
}

/** Options of {@link toProviderError}. */
export interface ToProviderErrorOptions {
  /** Provider name recorded on the error. */
  readonly provider?: string;
  /** Current time in epoch ms, to resolve an HTTP-date `retry-after`. @default Date.now() */
  readonly now?: number;
}

/** Gemini puts the delay in the body: `details: [{ '@type': '...RetryInfo', retryDelay: '27s' }]`. */
function retryAfterFromGoogleDetails(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    if (typeof delay === 'string') {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (match) return Math.round(Number.parseFloat(match[1]!) * 1000);
    }
  }
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The JSON object inside a message such as `got status: 503. {"error":{...}}` (genai's `ApiError`). */
function jsonInMessage(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    return asRecord(JSON.parse(message.slice(start)));
  } catch {
    return undefined;
  }
}

const CODE_BY_PROVIDER_CODE: Record<string, ProviderErrorCode> = {
  // Anthropic error types
  rate_limit_error: 'rate_limited',
  overloaded_error: 'overloaded',
  api_error: 'server_error',
  timeout_error: 'timeout',
  authentication_error: 'authentication',
  permission_error: 'permission_denied',
  not_found_error: 'not_found',
  invalid_request_error: 'invalid_request',
  request_too_large: 'invalid_request',
  billing_error: 'quota_exceeded',
  conflict_error: 'conflict',
  // OpenAI error codes and types
  rate_limit_exceeded: 'rate_limited',
  insufficient_quota: 'quota_exceeded',
  server_error: 'server_error',
  server_is_overloaded: 'overloaded',
  invalid_api_key: 'authentication',
  model_not_found: 'not_found',
  invalid_prompt: 'invalid_request',
  context_length_exceeded: 'invalid_request',
  vector_store_timeout: 'timeout',
  // Google RPC statuses
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  INTERNAL: 'server_error',
  DEADLINE_EXCEEDED: 'timeout',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission_denied',
  NOT_FOUND: 'not_found',
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
};

/** The {@link ProviderErrorCode} for a provider's own error type, code or RPC status, if known. */
export function codeForProviderCode(
  providerCode: string | null | undefined,
): ProviderErrorCode | undefined {
  return providerCode ? CODE_BY_PROVIDER_CODE[providerCode] : undefined;
}

function codeFromStatus(status: number): ProviderErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 401) return 'authentication';
  if (status === 402) return 'quota_exceeded';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'invalid_request';
  return 'unknown';
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error's class name: the openai SDK's classes keep `name === 'Error'`. */
function kindOf(error: Error): string {
  if (error.name && error.name !== 'Error') return error.name;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' ? constructorName : error.name;
}

function isConnectionFailure(error: Error): boolean {
  if (kindOf(error) === 'APIConnectionError') return true;
  if (error.name === 'TypeError' && /fetch failed|terminated|network/i.test(error.message)) {
    return true;
  }
  const code = asString((error as { code?: unknown }).code);
  if (code && CONNECTION_CODES.has(code)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause !== error && isConnectionFailure(cause);
}

/**
 * Normalizes any error from an LLM SDK (`openai`, `@anthropic-ai/sdk`, `@google/genai`),
 * a fetch failure or an abort into a {@link ProviderError}: a stable `code`, the HTTP
 * `status`, `retryable` (overridden by an `x-should-retry` header) and `retryAfterMs`
 * (from `retry-after-ms`, `retry-after` or Gemini's `RetryInfo`). The original error is
 * kept as `cause`; a `ProviderError` is returned unchanged.
 *
 * @example
 * try { await source.open(signal) } catch (error) {
 *   const failure = toProviderError(error);
 *   if (failure.retryable) await delay(failure.retryAfterMs ?? 1000);
 * }
 */
export function toProviderError(
  error: unknown,
  options: ToProviderErrorOptions = {},
): ProviderError {
  if (isProviderError(error)) return error;
  const provider = options.provider;
  if (!(error instanceof Error)) {
    return new ProviderError({
      code: 'unknown',
      message: typeof error === 'string' ? error : `non-error thrown: ${String(error)}`,
      provider,
      cause: error,
    });
  }
  const fields = error as Error & {
    status?: unknown;
    headers?: HeadersLike;
    error?: unknown;
    type?: unknown;
    code?: unknown;
    requestID?: unknown;
  };

  const kind = kindOf(error);
  if (kind === 'AbortError' || kind === 'APIUserAbortError') {
    return new ProviderError({ code: 'aborted', message: error.message, provider, cause: error });
  }
  if (
    kind === 'TimeoutError' ||
    kind === 'APIConnectionTimeoutError' ||
    asString(fields.code) === 'UND_ERR_HEADERS_TIMEOUT' ||
    asString(fields.code) === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new ProviderError({ code: 'timeout', message: error.message, provider, cause: error });
  }

  const status =
    typeof fields.status === 'number' && fields.status >= 100 && fields.status < 600
      ? fields.status
      : undefined;
  const headers = asRecord(fields.headers) as HeadersLike | undefined;

  // OpenAI keeps the inner `{ message, type, code }`; Anthropic the whole `{ type, error: {...} }`;
  // genai only a message with the JSON body inside.
  const body =
    asRecord(fields.error) ?? (kind === 'ApiError' ? jsonInMessage(error.message) : undefined);
  const inner = asRecord(body?.error) ?? body;
  const providerCode =
    asString(inner?.status) ??
    asString(fields.code) ??
    asString(inner?.code) ??
    asString(fields.type) ??
    asString(inner?.type);

  let code: ProviderErrorCode | undefined;
  for (const candidate of [
    asString(fields.code),
    asString(inner?.code),
    asString(inner?.status),
    asString(fields.type),
    asString(inner?.type),
  ]) {
    if (candidate && CODE_BY_PROVIDER_CODE[candidate]) {
      code = CODE_BY_PROVIDER_CODE[candidate];
      break;
    }
  }
  // A 429 for exhausted quota is not retryable, so the body's code wins over the status.
  if (status !== undefined && code !== 'quota_exceeded') code = codeFromStatus(status);
  if (code === undefined) code = isConnectionFailure(error) ? 'connection' : 'unknown';

  const now = options.now ?? Date.now();
  const retryAfterMs =
    parseRetryAfterMs(headers, now) ?? retryAfterFromGoogleDetails(inner?.details);
  const shouldRetry = readHeader(headers, 'x-should-retry');
  const message =
    asString(inner?.message) ?? (error.message || `${provider ?? 'provider'} request failed`);

  return new ProviderError({
    code,
    message,
    status,
    retryable:
      code === 'aborted'
        ? false
        : shouldRetry === 'true'
          ? true
          : shouldRetry === 'false'
            ? false
            : undefined,
    retryAfterMs,
    provider,
    providerCode,
    requestId:
      asString(fields.requestID) ??
      readHeader(headers, 'x-request-id') ??
      readHeader(headers, 'request-id') ??
      asString(body?.request_id),
    cause: error,
  });
}
