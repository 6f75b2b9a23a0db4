/** Options every adapter accepts besides its client (or iterable) and request parameters. */
export interface AdapterOptions {
  /**
   * Provider name on the source and its events, e.g. `azure` for an OpenAI client pointed at Azure.
   * @default the adapter's own: `openai`, `anthropic`, `gemini` (`custom` for {@link iterableSource})
   */
  readonly provider?: string;
  /**
   * Output-token budget, the basis of progress percent.
   * @default the request's max output tokens (`max_completion_tokens`, `max_tokens`, `max_output_tokens`, `config.maxOutputTokens`)
   */
  readonly maxTokens?: number;
  /**
   * Input tokens of the request, used until the provider reports its own count (so a stream
   * cancelled before OpenAI's final usage chunk still bills its prompt). Pass an exact count from
   * your tokenizer when you have one.
   * @default an estimate from the request's prompt text (messages, system, instructions, input, contents) plus the chat format's per-message tokens
   */
  readonly promptTokens?: number;
}

/** Validates {@link AdapterOptions} with precise messages. */
export function checkAdapterOptions(name: string, options: AdapterOptions): void {
  if (
    options.provider !== undefined &&
    (typeof options.provider !== 'string' || options.provider === '')
  ) {
    throw new TypeError(
      `${name}: provider must be a non-empty string, got ${String(options.provider)}`,
    );
  }
  for (const key of ['maxTokens', 'promptTokens'] as const) {
    const value = options[key];
    const minimum = key === 'maxTokens' ? 1 : 0;
    if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
      throw new RangeError(`${name}: ${key} must be an integer ≥ ${minimum}, got ${value}`);
    }
  }
}

/**
 * Validates what every SDK adapter receives: a request whose `model` is a non-empty string,
 * and its {@link AdapterOptions}. Returns the model.
 */
export function checkAdapterRequest(
  name: string,
  request: { readonly model?: unknown } | undefined,
  options: AdapterOptions,
): string {
  if (typeof request?.model !== 'string' || request.model === '') {
    throw new TypeError(`${name}: params.model must be a non-empty string`);
  }
  checkAdapterOptions(name, options);
  return request.model;
}
