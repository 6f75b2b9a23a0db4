import { parseDuration } from './provider-headers.js';

/** What a Gemini error body says about waiting. */
export interface GeminiRetryInfo {
  /** From `google.rpc.RetryInfo.retryDelay`. */
  readonly retryAfterMs: number | undefined;
  /** A `google.rpc.QuotaFailure` names a per-day quota: waiting minutes will not help. */
  readonly perDay: boolean;
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Reads `google.rpc.RetryInfo` and `google.rpc.QuotaFailure` from a Gemini error body
 * (`{ error: { details: [...] } }`), parsed or as text (the `@google/genai` SDK's `ApiError`
 * carries the body as its message).
 */
export function geminiRetryInfo(body: unknown): GeminiRetryInfo {
  const details = (parseBody(body) as { error?: { details?: unknown } } | undefined)?.error
    ?.details;
  let retryAfterMs: number | undefined;
  let perDay = false;
  if (!Array.isArray(details)) return { retryAfterMs, perDay };
  for (const detail of details as Array<Record<string, unknown>>) {
    const type = String(detail?.['@type'] ?? '');
    if (type.endsWith('google.rpc.RetryInfo') && typeof detail.retryDelay === 'string')
      retryAfterMs = parseDuration(detail.retryDelay);
    if (type.endsWith('google.rpc.QuotaFailure') && Array.isArray(detail.violations))
      perDay ||= (detail.violations as Array<{ quotaId?: unknown }>).some((violation) =>
        String(violation?.quotaId ?? '').includes('PerDay'),
      );
  }
  return { retryAfterMs, perDay };
}
