import {
  type FailoverOptions,
  type ResolvedFailoverOptions,
  resolveFailoverOptions,
} from './failover-options.js';
import type { ProviderStreamSource } from './provider-event.js';
import {
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './retry-options.js';
import type { StreamGuard } from './stream-guard.js';
import type { StreamTimeLimits } from './stream-watchdog.js';

/** A source with the guard (circuit breaker) that must grant it a permit before each attempt. */
export interface StreamSourceEntry {
  readonly source: ProviderStreamSource;
  /** Any object with the breaker's `tryAcquire()` (preferred) or `execute()` shape. */
  readonly guard?: StreamGuard;
}

/**
 * One source, or a failover list tried in order before the first token. Each item is a bare
 * source or a {@link StreamSourceEntry} with its guard.
 */
export type StreamSources =
  | ProviderStreamSource
  | StreamSourceEntry
  | readonly (ProviderStreamSource | StreamSourceEntry)[];

/** Size- and time-bounded buffering of text into chunks. */
export interface BufferOptions {
  /** Flush once this many tokens have gathered. @default 5 */
  readonly tokens?: number;
  /** Flush this long after the first buffered token, even if fewer tokens gathered. @default 50 */
  readonly maxDelayMs?: number;
  /**
   * Gather the stream's first text like the rest. By default the first text is sent the moment
   * it arrives, because time to first token is what users feel; only later text is gathered.
   * @default false
   */
  readonly holdFirstToken?: boolean;
}

/** Options shared by a {@link StreamManager} (as defaults) and each stream. */
export interface StreamDefaults {
  /** Buffering of text into chunks; `false` yields one chunk per provider delta. @default { tokens: 5, maxDelayMs: 50, holdFirstToken: false } */
  readonly buffer?: BufferOptions | false;
  /** Retries of one source before the first token; `false` turns them off. @default { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60000 } */
  readonly retry?: RetryOptions | false;
  /** When to move to the next source of a failover list before the first token. @default { shouldFailover: isProviderFailure } */
  readonly failover?: FailoverOptions;
  /** Token count of a text delta, used when the provider has not reported one. @default {@link estimateTokens} */
  readonly estimateTokens?: (text: string) => number;
  /**
   * Milliseconds an attempt may take to deliver its first content (text, reasoning, a tool call,
   * a refusal); then it fails with `FIRST_TOKEN_TIMEOUT` and the next source takes over, like any
   * failure before the first token. `false` turns it off. @default 60000
   */
  readonly firstTokenTimeoutMs?: number | false;
  /**
   * Milliseconds the stream may wait on the upstream for more content after the first; then it
   * ends with `IDLE_TIMEOUT` and the usage so far. Time the reader spends not reading does not
   * count. `false` turns it off. @default 60000
   */
  readonly idleTimeoutMs?: number | false;
  /**
   * Milliseconds the whole stream may take from its start, retries and failover included; then
   * it ends with `DEADLINE_EXCEEDED` and the usage so far. `false` turns it off. @default 900000
   */
  readonly deadlineMs?: number | false;
  /** Epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
  /** Source of randomness for backoff jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Options of one managed stream. */
export interface StreamOptions extends StreamDefaults {
  /** Aborting it cancels the stream (reason `aborted`) and the upstream request. */
  readonly signal?: AbortSignal;
  /** The stream's id. @default a random UUID (or the manager's `generateId`) */
  readonly id?: string;
  /** Basis of `progressPercent` when it should not be the source's `maxTokens`. @default source.maxTokens */
  readonly expectedTokens?: number;
  /** Your own labels (user, tier, route); shown by `info()` and the registry. @default {} */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Internal: options with every default applied. */
export interface ResolvedStreamOptions {
  readonly entries: readonly StreamSourceEntry[];
  readonly signal: AbortSignal | undefined;
  readonly id: string;
  /** 0 means buffering is off. */
  readonly bufferTokens: number;
  readonly bufferDelayMs: number;
  /** With buffering on: whether the first text waits to be gathered too. */
  readonly holdFirstToken: boolean;
  readonly retry: ResolvedRetryOptions;
  readonly failover: ResolvedFailoverOptions;
  readonly estimateTokens: ((text: string) => number) | undefined;
  readonly limits: StreamTimeLimits;
  readonly clock: () => number;
  readonly random: () => number;
  readonly expectedTokens: number | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
}

const emptyMetadata: Readonly<Record<string, unknown>> = Object.freeze({});

/** Validates sources and options (stream options over manager defaults) with precise messages. */
export function resolveStreamOptions(
  sources: StreamSources,
  options: StreamOptions,
  defaults: StreamDefaults,
  generateId: () => string,
): ResolvedStreamOptions {
  const entries = normalizeSources(sources);
  const buffer = options.buffer !== undefined ? options.buffer : defaults.buffer;
  let bufferTokens = 0;
  let bufferDelayMs = 0;
  let holdFirstToken = false;
  if (buffer !== false) {
    bufferTokens = buffer?.tokens ?? 5;
    bufferDelayMs = buffer?.maxDelayMs ?? 50;
    holdFirstToken = buffer?.holdFirstToken ?? false;
    if (typeof holdFirstToken !== 'boolean') {
      throw new TypeError(`buffer.holdFirstToken must be a boolean, got ${typeof holdFirstToken}`);
    }
    if (!Number.isInteger(bufferTokens) || bufferTokens < 1) {
      throw new RangeError(`buffer.tokens must be an integer ≥ 1, got ${bufferTokens}`);
    }
    if (!(bufferDelayMs >= 0) || !Number.isFinite(bufferDelayMs)) {
      throw new RangeError(`buffer.maxDelayMs must be a finite number ≥ 0, got ${bufferDelayMs}`);
    }
  }
  const expectedTokens = options.expectedTokens;
  if (expectedTokens !== undefined && !(expectedTokens > 0)) {
    throw new RangeError(`expectedTokens must be > 0, got ${expectedTokens}`);
  }
  const estimate = options.estimateTokens ?? defaults.estimateTokens;
  const clock = options.clock ?? defaults.clock ?? now;
  const random = options.random ?? defaults.random ?? Math.random;
  for (const [name, value] of [
    ['estimateTokens', estimate],
    ['clock', clock],
    ['random', random],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${name} must be a function, got ${typeof value}`);
    }
  }
  const id = options.id ?? generateId();
  if (typeof id !== 'string' || id === '') {
    throw new TypeError('id must be a non-empty string');
  }
  return {
    entries,
    signal: options.signal,
    id,
    bufferTokens,
    bufferDelayMs,
    holdFirstToken,
    retry: resolveRetryOptions(options.retry !== undefined ? options.retry : defaults.retry),
    failover: resolveFailoverOptions(options.failover ?? defaults.failover),
    estimateTokens: estimate,
    limits: {
      firstTokenTimeoutMs: resolveLimit(
        'firstTokenTimeoutMs',
        options.firstTokenTimeoutMs ?? defaults.firstTokenTimeoutMs,
        60_000,
      ),
      idleTimeoutMs: resolveLimit(
        'idleTimeoutMs',
        options.idleTimeoutMs ?? defaults.idleTimeoutMs,
        60_000,
      ),
      deadlineMs: resolveLimit('deadlineMs', options.deadlineMs ?? defaults.deadlineMs, 900_000),
    },
    clock,
    random,
    expectedTokens,
    metadata: options.metadata ?? emptyMetadata,
  };
}

function now(): number {
  return Date.now();
}

/** A time limit in milliseconds; `false` is no limit (Infinity). */
function resolveLimit(name: string, value: number | false | undefined, fallback: number): number {
  if (value === false) return Number.POSITIVE_INFINITY;
  const limit = value ?? fallback;
  if (typeof limit !== 'number' || !(limit > 0) || !Number.isFinite(limit)) {
    throw new RangeError(`${name} must be a finite number > 0 or false, got ${String(limit)}`);
  }
  return limit;
}

function normalizeSources(sources: StreamSources): StreamSourceEntry[] {
  const list: readonly (ProviderStreamSource | StreamSourceEntry)[] = Array.isArray(sources)
    ? sources
    : [sources as ProviderStreamSource | StreamSourceEntry];
  if (list.length === 0) throw new RangeError('sources must name at least one source, got 0');
  return list.map((item, index) => {
    const entry: StreamSourceEntry =
      'source' in item && item.source ? item : { source: item as ProviderStreamSource };
    if (typeof entry.source?.open !== 'function') {
      throw new TypeError(`sources[${index}] must be a ProviderStreamSource with an open() method`);
    }
    const guard = entry.guard as Record<string, unknown> | undefined;
    if (
      guard !== undefined &&
      typeof guard.tryAcquire !== 'function' &&
      typeof guard.execute !== 'function'
    ) {
      throw new TypeError(`sources[${index}].guard must have tryAcquire() or execute()`);
    }
    return entry;
  });
}
