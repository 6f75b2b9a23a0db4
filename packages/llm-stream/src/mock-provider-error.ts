const brand = Symbol.for('breakwater.llm-stream.MockProviderError');

/**
 * A failure of the mock provider, shaped like the official SDKs' API errors (`status` and
 * `headers`), so retries, `Retry-After` and breakers treat it exactly as a real provider error.
 */
export class MockProviderError extends Error {
  override readonly name = 'MockProviderError';
  /** `mock_rate_limited` (429), `mock_unavailable` (503 before the first token), `mock_interrupted` (mid-stream). */
  readonly code: 'mock_rate_limited' | 'mock_unavailable' | 'mock_interrupted';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: MockProviderError['code'],
    status: number,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.headers = headers;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True for a {@link MockProviderError} from any copy of this package. */
export function isMockProviderError(value: unknown): value is MockProviderError {
  return typeof value === 'object' && value !== null && brand in value;
}
