/**
 * What a provider adapter yields: the provider's stream reduced to the few facts the
 * stream manager needs. Every adapter (OpenAI chat, OpenAI Responses, Anthropic,
 * Gemini, plain AsyncIterable<string>) produces this same sequence.
 */
export type ProviderEvent =
  /** A piece of generated text, in order. Empty deltas are never yielded. */
  | { readonly type: 'text'; readonly text: string }
  /**
   * Token usage as the provider reports it. Counts are cumulative totals so far for the
   * whole request (Anthropic and Gemini report them during the stream, OpenAI once at the end);
   * a missing field means the provider did not say.
   */
  | { readonly type: 'usage'; readonly inputTokens?: number; readonly outputTokens?: number }
  /** The provider said why it stopped (`stop`, `length`, `end_turn`, `STOP`, ...). */
  | { readonly type: 'finish'; readonly reason: string };

/**
 * A source of one model response. `open` starts the upstream request with `signal`
 * (aborting it must close the upstream HTTP connection) and resolves once the provider
 * accepted the request, so errors before the first token (429, 5xx, auth) reject `open`
 * itself; errors after that are thrown by the iterator.
 */
export interface ProviderStreamSource {
  /** `openai`, `anthropic`, `gemini`, `mock`, or a name of the caller's choosing. */
  readonly provider: string;
  readonly model: string;
  /** The request's max output tokens, when known: the basis for progress percent. */
  readonly maxTokens?: number;
  /** Prompt text length in characters, when known: the basis for estimating input tokens. */
  readonly promptChars?: number;
  open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>>;
}
