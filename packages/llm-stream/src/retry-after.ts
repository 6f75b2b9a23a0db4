/** Response headers as the SDKs expose them: a `Headers` object or a plain record. */
export type HeadersLike = { get(name: string): string | null } | Readonly<Record<string, unknown>>;

/** One header's value from a `Headers` object or a plain record; undefined when absent. */
export function readHeader(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const withGet = headers as { get?: unknown };
  if (typeof withGet.get === 'function') {
    const value = (withGet.get as (key: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const value = (headers as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Milliseconds to wait according to `retry-after-ms` (milliseconds), then `retry-after`
 * (seconds or an HTTP date, resolved against `now`); undefined when absent or unreadable.
 * The one Retry-After parser of the package.
 */
export function parseRetryAfterMs(headers: unknown, now: number): number | undefined {
  const milliseconds = Number.parseFloat(readHeader(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const value = readHeader(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
