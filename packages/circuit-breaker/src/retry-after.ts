/** Headers as the official SDKs and fetch expose them: a `Headers` object or a plain record. */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | string[] | undefined>>;

/**
 * Reads how long a server asked the client to wait, in milliseconds, from response headers:
 * `retry-after-ms`, `x-ms-retry-after-ms`, `retry-after` (seconds or an HTTP date), then
 * OpenAI's `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` for an exhausted limit.
 *
 * @param now - the current time in epoch milliseconds, for `retry-after` HTTP dates.
 * @returns the wait in milliseconds, or `undefined` when no header says.
 */
export function retryAfterMsFromHeaders(
  headers: HeadersLike | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const milliseconds =
    parseMilliseconds(header(headers, 'retry-after-ms')) ??
    parseMilliseconds(header(headers, 'x-ms-retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds;
  const retryAfter = parseRetryAfter(header(headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  // OpenAI sends the reset of each limit; only an exhausted limit tells how long to wait.
  let reset: number | undefined;
  for (const kind of ['requests', 'tokens']) {
    if (header(headers, `x-ratelimit-remaining-${kind}`) !== '0') continue;
    const value = parseDuration(header(headers, `x-ratelimit-reset-${kind}`));
    if (value !== undefined) reset = Math.max(reset ?? 0, value);
  }
  return reset;
}

/**
 * Parses a `Retry-After` value: delay-seconds (`"120"`, `"1.5"`) or an HTTP date.
 *
 * @returns milliseconds from `now`, never negative, or `undefined` when unparseable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Parses Go-style durations such as OpenAI's `"6m0s"`, `"1.5s"`, `"20ms"`, and Google's
 * `"30s"` retry delays.
 *
 * @returns milliseconds, or `undefined` when unparseable.
 */
export function parseDuration(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(pattern)) {
    const amount = Number(match[1]);
    const unit = match[2];
    total += amount * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1);
    consumed += match[0].length;
  }
  return consumed === value.length ? Math.round(total) : undefined;
}

function parseMilliseconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) && number >= 0
    ? Math.round(number)
    : undefined;
}

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const value = record[name] ?? findCaseInsensitive(record, name);
  return Array.isArray(value) ? value[0] : value;
}

function findCaseInsensitive(
  record: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | string[] | undefined {
  for (const key of Object.keys(record)) if (key.toLowerCase() === name) return record[key];
  return undefined;
}
