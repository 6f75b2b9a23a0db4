import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** A finished model answer, as the cache keeps it. */
export interface CachedResponse {
  readonly model: string;
  readonly provider: string;
  readonly text: string;
  readonly finishReason: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Events of the cache, the shape `instrumentCache` of @breakwater/metrics subscribes to. */
export interface ResponseCacheEvents {
  hit: [{ key: string }];
  miss: [{ key: string }];
  set: [{ key: string }];
  evict: [{ key: string; reason: string }];
}

/** The gateway's response cache: lru-cache in memory, or Redis shared by every instance. */
export interface ResponseCache {
  readonly backend: 'memory' | 'redis';
  /** Entries held (for Redis: across all instances, as of the last write). */
  readonly size: number;
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
  on<E extends keyof ResponseCacheEvents>(
    event: E,
    listener: (...args: ResponseCacheEvents[E]) => void,
  ): this;
  off<E extends keyof ResponseCacheEvents>(
    event: E,
    listener: (...args: ResponseCacheEvents[E]) => void,
  ): this;
}

/** Options for {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** Entries kept in memory. @default 1000 */
  readonly maxEntries?: number;
  /** Bytes of answers kept in memory in all; larger answers are not cached. @default 33554432 */
  readonly maxBytes?: number;
  /** Lifetime of an entry in milliseconds. @default 300000 */
  readonly ttlMs?: number;
  /** Shared Redis backend; in-memory when absent. */
  readonly redis?: Pick<Redis, 'multi'>;
  /** Key prefix in Redis. @default 'breakwater:{cache}:' (one hash tag, so it runs on Redis Cluster) */
  readonly prefix?: string;
}

/**
 * The cache key of a request: a digest of the user and everything that shapes the answer.
 * The user is part of it so that nobody learns from a hit what someone else asked.
 */
export function responseCacheKey(request: {
  userId: string;
  model: string;
  messages: readonly unknown[];
  /** Other request fields passed to the provider (response_format, seed, stop...). */
  fields: Readonly<Record<string, unknown>>;
  maxTokens: number;
  temperature?: number;
}): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        request.userId,
        request.model,
        request.maxTokens,
        request.temperature ?? null,
        request.fields,
        request.messages,
      ]),
    )
    .digest('hex');
}

class MemoryResponseCache extends EventEmitter<ResponseCacheEvents> implements ResponseCache {
  readonly backend = 'memory' as const;
  readonly #entries: LRUCache<string, CachedResponse>;

  constructor(maxEntries: number, ttlMs: number, maxBytes: number) {
    super();
    this.#entries = new LRUCache<string, CachedResponse>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (value) => Buffer.byteLength(value.text) + 256,
      ttl: ttlMs,
      dispose: (_value, key, reason) => {
        if (reason === 'evict' || reason === 'expire') this.emit('evict', { key, reason });
      },
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const value = this.#entries.get(key);
    this.emit(value ? 'hit' : 'miss', { key });
    return value;
  }

  async set(key: string, value: CachedResponse): Promise<void> {
    this.#entries.set(key, value);
    this.emit('set', { key });
  }
}

class RedisResponseCache extends EventEmitter<ResponseCacheEvents> implements ResponseCache {
  readonly backend = 'redis' as const;
  #size = 0;

  constructor(
    private readonly redis: Pick<Redis, 'multi'>,
    private readonly ttlMs: number,
    private readonly prefix: string,
  ) {
    super();
  }

  get size(): number {
    return this.#size;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    // The key count of every instance rides along with the lookup, in the same round trip.
    const results = await this.redis
      .multi()
      .get(this.prefix + key)
      .zcount(`${this.prefix}index`, Date.now(), '+inf')
      .exec();
    const raw = results?.[0]?.[1];
    const count = results?.[1]?.[1];
    if (typeof count === 'number') this.#size = count;
    const value = typeof raw === 'string' ? (JSON.parse(raw) as CachedResponse) : undefined;
    this.emit(value ? 'hit' : 'miss', { key });
    return value;
  }

  async set(key: string, value: CachedResponse): Promise<void> {
    const now = Date.now();
    const index = `${this.prefix}index`;
    // The index (a sorted set by expiry) gives every instance the same key count.
    const results = await this.redis
      .multi()
      .set(this.prefix + key, JSON.stringify(value), 'PX', this.ttlMs)
      .zadd(index, now + this.ttlMs, key)
      .zremrangebyscore(index, '-inf', now)
      .zcard(index)
      .pexpire(index, this.ttlMs)
      .exec();
    const expired = results?.[2]?.[1];
    const count = results?.[3]?.[1];
    if (typeof count === 'number') this.#size = count;
    if (typeof expired === 'number' && expired > 0)
      this.emit('evict', { key: '*', reason: 'expire' });
    this.emit('set', { key });
  }
}

/** Builds the response cache: Redis when a client is given, lru-cache otherwise. */
export function createResponseCache(options: ResponseCacheOptions = {}): ResponseCache {
  const maxEntries = options.maxEntries ?? 1000;
  const ttlMs = options.ttlMs ?? 300_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be an integer ≥ 1, got ${maxEntries}`);
  }
  if (!(ttlMs >= 1)) throw new RangeError(`ttlMs must be ≥ 1, got ${ttlMs}`);
  return options.redis
    ? new RedisResponseCache(options.redis, ttlMs, options.prefix ?? 'breakwater:{cache}:')
    : new MemoryResponseCache(maxEntries, ttlMs, options.maxBytes ?? 33_554_432);
}
