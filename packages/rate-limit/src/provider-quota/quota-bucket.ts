import type { ObservedBucket, QuotaBucketName } from './provider-headers.js';

/**
 * What is known of one provider bucket. OpenAI and Anthropic both refill continuously and
 * report when the bucket is full again, so between two responses the bucket is assumed to
 * refill at the rate those two numbers imply.
 */
export interface QuotaBucket {
  readonly name: QuotaBucketName;
  readonly limit: number | undefined;
  /** Units left at `at`. */
  readonly available: number;
  readonly at: number;
  /** Units per millisecond, when `limit` and the reset time gave it. */
  readonly refillPerMs: number | undefined;
  /** When the bucket is full again (epoch ms). */
  readonly resetAt: number;
}

/** Units available at `now`; `Infinity` when the bucket is full again and its size is unknown. */
export function availableAt(bucket: QuotaBucket, now: number): number {
  if (now >= bucket.resetAt) return bucket.limit ?? Number.POSITIVE_INFINITY;
  if (bucket.refillPerMs === undefined) return bucket.available;
  const refilled = bucket.available + bucket.refillPerMs * (now - bucket.at);
  return bucket.limit === undefined ? refilled : Math.min(bucket.limit, refilled);
}

/** The bucket after `units` were taken at `now`. */
export function take(bucket: QuotaBucket, units: number, now: number): QuotaBucket {
  const available = availableAt(bucket, now) - units;
  return { ...bucket, available, at: now, resetAt: resetAtFor(bucket, available, now) };
}

/** Milliseconds until `units` are available (0 when they are now). */
export function waitFor(bucket: QuotaBucket, units: number, now: number): number {
  const missing = units - availableAt(bucket, now);
  if (missing <= 0) return 0;
  const { refillPerMs, limit } = bucket;
  // A request larger than the whole bucket can only go once it is full.
  if (refillPerMs === undefined || refillPerMs <= 0 || (limit !== undefined && units > limit))
    return Math.max(1, bucket.resetAt - now);
  return Math.max(1, Math.ceil(missing / refillPerMs));
}

/**
 * Merges what a response reported with what was known. The lower count wins: the local one
 * has requests admitted since that the provider had not seen yet, and a response that
 * arrives late reports an older, higher count.
 */
export function observe(
  previous: QuotaBucket | undefined,
  seen: ObservedBucket,
  now: number,
): QuotaBucket {
  const limit = seen.limit ?? previous?.limit;
  const refillPerMs =
    limit !== undefined && seen.remaining < limit && seen.resetAt > now
      ? (limit - seen.remaining) / (seen.resetAt - now)
      : previous?.refillPerMs;
  const available =
    previous === undefined ? seen.remaining : Math.min(availableAt(previous, now), seen.remaining);
  const bucket: QuotaBucket = {
    name: seen.name,
    limit,
    available,
    at: now,
    refillPerMs,
    resetAt: seen.resetAt,
  };
  return { ...bucket, resetAt: Math.max(seen.resetAt, resetAtFor(bucket, available, now)) };
}

function resetAtFor(bucket: QuotaBucket, available: number, now: number): number {
  if (bucket.limit === undefined || bucket.refillPerMs === undefined || bucket.refillPerMs <= 0)
    return bucket.resetAt;
  return now + Math.max(0, bucket.limit - available) / bucket.refillPerMs;
}
