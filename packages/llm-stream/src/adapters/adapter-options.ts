/** Validates the adapter options every SDK adapter accepts. */
export function checkAdapterOptions(name: string, options: AdapterOptions): void {
  if (
    options.provider !== undefined &&
    (typeof options.provider !== 'string' || options.provider === '')
  ) {
    throw new TypeError(
      `${name}: provider must be a non-empty string, got ${String(options.provider)}`,
    );
  }
  for (const key of ['maxTokens', 'promptChars'] as const) {
    const value = options[key];
    if (
      value !== undefined &&
      !(Number.isInteger(value) && value >= (key === 'maxTokens' ? 1 : 0))
    ) {
      throw new RangeError(
        `${name}: ${key} must be an integer ≥ ${key === 'maxTokens' ? 1 : 0}, got ${value}`,
      );
    }
  }
}

/** Options every SDK adapter accepts besides the client and the request parameters. */
export interface AdapterOptions {
  /** Provider name on the source and its events, e.g. `azure` for an OpenAI client pointed at Azure. */
  readonly provider?: string;
  /** Progress basis. @default the request's max output tokens (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, `maxOutputTokens`) */
  readonly maxTokens?: number;
  /** Basis of the input-token estimate when the provider reports no usage. @default characters of prompt text in the request */
  readonly promptChars?: number;
}
