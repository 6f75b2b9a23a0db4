const brand = Symbol.for('breakwater.llm-stream.StreamError');

/**
 * Why an attempt or a stream failed.
 * - `RATE_LIMITED`: the provider answered 429.
 * - `CIRCUIT_OPEN`: the source's guard (circuit breaker) refused a permit.
 * - `INVALID_REQUEST`: the provider refused the request itself (400, 401, 403, 404, 413, 422,
 *   content policy, context length): never retried, never failed over.
 * - `UPSTREAM_ERROR`: any other failure before the first token.
 * - `FIRST_TOKEN_TIMEOUT`: no content arrived within `firstTokenTimeoutMs` of the attempt's start.
 * - `IDLE_TIMEOUT`: no content arrived for `idleTimeoutMs` after the first token; the output is incomplete.
 * - `DEADLINE_EXCEEDED`: the stream ran past `deadlineMs`, retries and failover included.
 * - `STREAM_INTERRUPTED`: the upstream failed after the first token; the output is incomplete.
 */
export type StreamErrorCode =
  | 'RATE_LIMITED'
  | 'CIRCUIT_OPEN'
  | 'INVALID_REQUEST'
  | 'UPSTREAM_ERROR'
  | 'FIRST_TOKEN_TIMEOUT'
  | 'IDLE_TIMEOUT'
  | 'DEADLINE_EXCEEDED'
  | 'STREAM_INTERRUPTED';

/** Options for {@link StreamError}. */
export interface StreamErrorOptions {
  readonly retryable: boolean;
  /** The upstream HTTP status, when there was one. */
  readonly status?: number;
  /** How long to wait before retrying, when the provider or a breaker said so. */
  readonly retryAfterMs?: number;
  /** How many upstream attempts the stream made in all sources. */
  readonly attempts: number;
  readonly cause?: unknown;
}

/** The error carried by a stream's `error` event. Streams never throw it at the consumer. */
export class StreamError extends Error {
  override readonly name = 'StreamError';
  readonly code: StreamErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;

  constructor(code: StreamErrorCode, message: string, options: StreamErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True for a {@link StreamError} from any copy of this package. */
export function isStreamError(value: unknown): value is StreamError {
  return typeof value === 'object' && value !== null && brand in value;
}
