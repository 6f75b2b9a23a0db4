/** Response headers as the official SDKs and fetch expose them: a `Headers` object or a plain record. */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The quota buckets a provider reports. */
export type QuotaBucketName = 'requests' | 'tokens' | 'input-tokens' | 'output-tokens';

/** One bucket as a response reported it. */
export interface ObservedBucket {
  readonly name: QuotaBucketName;
  /** The bucket's size, when the provider says. */
  readonly limit: number | undefined;
  readonly remaining: number;
  /** When the bucket is full again (epoch ms). */
  readonly resetAt: number;
}

/** Reads one header, case-insensitively, from either shape. */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function')
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined)
    for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = record[key];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Parses Go-style durations: OpenAI's `6m0s`, `1.5s`, `20ms`, Google's `37s` or `10h17m5.7s`.
 * @returns milliseconds, or `undefined` when unparseable.
 */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(value.trim())) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g))
    total +=
      Number(amount) *
      (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1);
  return Math.round(total);
}

/**
 * How long the provider asked the caller to wait: `retry-after-ms`, then `retry-after`
 * (delay-seconds or an HTTP date). @returns milliseconds from `now`, or `undefined`.
 */
export function retryAfterMs(headers: HeadersLike, now: number): number | undefined {
  const milliseconds = Number(headerValue(headers, 'retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const value = headerValue(headers, 'retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

/**
 * The buckets in a response's headers:
 * - OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as durations;
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   resets as RFC 3339 times.
 * A bucket without a parseable `remaining` and reset is left out.
 */
export function observedBuckets(headers: HeadersLike, now: number): ObservedBucket[] {
  const buckets: ObservedBucket[] = [];
  for (const name of ['requests', 'tokens'] as const) {
    const remaining = count(headerValue(headers, `x-ratelimit-remaining-${name}`));
    const resetMs = parseDuration(headerValue(headers, `x-ratelimit-reset-${name}`));
    if (remaining === undefined || resetMs === undefined) continue;
    const limit = count(headerValue(headers, `x-ratelimit-limit-${name}`));
    buckets.push({ name, limit, remaining, resetAt: now + resetMs });
  }
  for (const name of ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const) {
    const remaining = count(headerValue(headers, `anthropic-ratelimit-${name}-remaining`));
    const resetAt = Date.parse(headerValue(headers, `anthropic-ratelimit-${name}-reset`) ?? '');
    if (remaining === undefined || Number.isNaN(resetAt)) continue;
    const limit = count(headerValue(headers, `anthropic-ratelimit-${name}-limit`));
    buckets.push({ name, limit, remaining, resetAt: Math.max(now, resetAt) });
  }
  return buckets;
}
