/**
 * Wire formats of the fake LLM server, shared part: the answer model every renderer reads and
 * the SSE helpers. Each provider's renderer lives in its own file (`fake-llm-wire-*.ts`); shapes
 * follow the providers' API references and the official SDKs' type definitions, so the real
 * SDKs parse them unchanged.
 */

/** The provider APIs the fake server speaks. */
export type FakeLlmApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'anthropic.messages'
  | 'gemini.generate';

/** Finish reasons a scenario can script, rendered in each provider's own vocabulary. */
export type FakeLlmFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

/** Kinds of error a scenario can raise in the middle of a stream. */
export type FakeLlmStreamErrorKind = 'overloaded' | 'server_error' | 'rate_limited';

/** Token usage the fake provider reports. */
export interface FakeLlmUsage {
  /** Prompt tokens, cached ones included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The part of `outputTokens` spent on reasoning. @default 0 */
  readonly reasoningTokens?: number;
  /** Prompt tokens served from the provider's prompt cache (part of `inputTokens`). @default 0 */
  readonly cachedInputTokens?: number;
}

/**
 * One step of a streamed answer: the server writes each with the scripted pacing, and each
 * provider renders it in its own frames (some render nothing for a step: Gemini sends a tool
 * call whole at its end, OpenAI has no reasoning signature).
 */
export type WireStep =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'reasoning'; readonly text: string }
  /** The end of a reasoning block, with its signature (Anthropic `signature_delta`, Gemini `thoughtSignature`). */
  | { readonly kind: 'reasoning-signature'; readonly signature: string }
  | { readonly kind: 'redacted-reasoning'; readonly data: string }
  | {
      readonly kind: 'tool-call-start';
      readonly index: number;
      readonly id: string;
      readonly name: string;
    }
  | { readonly kind: 'tool-call-delta'; readonly index: number; readonly fragment: string }
  | {
      readonly kind: 'tool-call-end';
      readonly index: number;
      readonly id: string;
      readonly name: string;
      readonly arguments: string;
      /** Gemini: a `thoughtSignature` on the call's part. */
      readonly signature?: string | undefined;
    }
  | { readonly kind: 'refusal'; readonly text: string };

/** What the renderers need to know about one answer. */
export interface WireAnswer {
  readonly requestIndex: number;
  readonly model: string;
  /** The steps of a streamed answer, in order. */
  readonly steps: readonly WireStep[];
  /** The whole text of the answer (what a non-streaming answer carries). */
  readonly text: string;
  readonly usage: FakeLlmUsage;
  readonly finishReason: FakeLlmFinishReason;
  /** Whether an OpenAI chat request asked for `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  /** Gemini only: answer with `promptFeedback.blockReason` and no candidates. */
  readonly geminiBlockReason?: string | undefined;
}

/** An HTTP error rendered with the provider's status, headers and JSON body. */
export interface WireHttpError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The frames of one streamed answer; the server writes them with the scripted pacing. */
export interface WireStream {
  readonly headers: Record<string, string>;
  /** Frames before the first step (`message_start`, `response.created`, ...). */
  start(): string[];
  /** Frames carrying step number `index` (0-based) of the answer's steps. */
  step(step: WireStep, index: number): string[];
  /** Anthropic `ping` frame; empty for the other providers. */
  ping(): string[];
  /** Frames that end the answer normally (finish reason, usage, `[DONE]`). */
  finish(): string[];
  /** Frames of a provider error event in the middle of the stream. */
  error(
    kind: FakeLlmStreamErrorKind,
    message: string | undefined,
    responsesEvent: 'response.failed' | 'error',
  ): string[];
}

export const SSE_HEADERS = { 'cache-control': 'no-cache', connection: 'keep-alive' } as const;

export function sse(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

export function requestId(prefix: string, index: number) {
  return `${prefix}${String(index).padStart(8, '0')}fake`;
}

/** Splits `total` over `count` chunks so chunk `index` reports the running total. */
export function cumulative(total: number, index: number, count: number) {
  return count === 0 ? total : Math.round((total * (index + 1)) / count);
}

export function retryHeaders(error: FakeLlmHttpErrorLike): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.retryAfterMs !== undefined) headers['retry-after-ms'] = String(error.retryAfterMs);
  if (error.shouldRetry !== undefined) headers['x-should-retry'] = String(error.shouldRetry);
  return headers;
}

/** The scripted HTTP error, as the renderers read it. */
export interface FakeLlmHttpErrorLike {
  readonly status: number;
  readonly message?: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly shouldRetry?: boolean | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly geminiQuotaId?: string | undefined;
}
