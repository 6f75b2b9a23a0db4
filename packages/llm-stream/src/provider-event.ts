/**
 * What a provider adapter yields: the provider's stream reduced to typed parts. Every adapter
 * (OpenAI Chat Completions, OpenAI Responses, Anthropic, Gemini, the AI SDK, a plain
 * `AsyncIterable<string>`) produces this same vocabulary, in the order the provider sent it.
 */
export type ProviderEvent =
  /** A piece of generated text, in order. Empty deltas are never yielded. */
  | { readonly type: 'text'; readonly text: string }
  /** A piece of the model's reasoning (thinking, `reasoning_content`, thought summaries). */
  | { readonly type: 'reasoning'; readonly text: string }
  /**
   * The current reasoning block is over. `signature` is the provider's opaque proof of it
   * (Anthropic `signature_delta`, a Gemini thought's `thoughtSignature`), needed to send the
   * thinking back with a tool result.
   */
  | { readonly type: 'reasoning-end'; readonly signature?: string }
  /** Reasoning the provider encrypted (Anthropic `redacted_thinking`): pass `data` back unchanged. */
  | { readonly type: 'redacted-reasoning'; readonly data: string }
  /**
   * A tool call begins. `index` (0-based, in order of appearance in this response) keys its
   * argument deltas and its end; `id` is the provider's call id.
   */
  | {
      readonly type: 'tool-call-start';
      readonly index: number;
      readonly id: string;
      readonly name: string;
    }
  /** A piece of the JSON arguments of call `index`. */
  | { readonly type: 'tool-call-delta'; readonly index: number; readonly argumentsDelta: string }
  /** Call `index` is complete; `signature` is a Gemini `thoughtSignature` on the call, when sent. */
  | { readonly type: 'tool-call-end'; readonly index: number; readonly signature?: string }
  /** A piece of a refusal (OpenAI `refusal` deltas). */
  | { readonly type: 'refusal'; readonly text: string }
  /**
   * Token usage as the provider reports it. Counts are cumulative totals so far for the whole
   * request (Anthropic and Gemini report them during the stream, OpenAI once at the end); a
   * missing field means the provider did not say. `outputTokens` includes `reasoningTokens`.
   * A count that is not a finite non-negative integer is ignored.
   */
  | {
      readonly type: 'usage';
      readonly inputTokens?: number;
      readonly outputTokens?: number;
      readonly reasoningTokens?: number;
    }
  /** The provider said why it stopped (`stop`, `length`, `end_turn`, `STOP`, `tool_use`, ...). */
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
  /**
   * Input tokens of the request, counted from the prompt the caller passed (the adapters
   * estimate it from the request's messages; pass an exact count from your tokenizer as the
   * adapter's `promptTokens` option). Used until the provider reports its own count, so a stream
   * cancelled before the provider's usage arrives still bills its prompt.
   */
  readonly promptTokens?: number;
  /**
   * Prompt length in characters, for sources that know no more: input tokens are then estimated
   * as a quarter of it. Ignored when `promptTokens` is given.
   * @deprecated pass `promptTokens`
   */
  readonly promptChars?: number;
  open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>>;
}
