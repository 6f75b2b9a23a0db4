import type {
  FakeLlmFinishReason,
  FakeLlmStreamErrorKind,
  FakeLlmUsage,
  WireStep,
} from './fake-llm-server-wire.js';

/** An HTTP error the fake provider answers with, before any byte of the body. */
export interface FakeLlmHttpError {
  /** HTTP status: 400, 401, 404, 429, 500, 503, 529 (Anthropic overloaded), ... */
  readonly status: number;
  /** Error message in the body. @default the provider's usual message for `status` */
  readonly message?: string;
  /** Sent as `retry-after` (and, for Gemini, as a `RetryInfo.retryDelay` detail). */
  readonly retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`. */
  readonly retryAfterMs?: number;
  /** Sent as `x-should-retry` (OpenAI and Anthropic send it to steer their SDKs' retries). */
  readonly shouldRetry?: boolean;
  /** More response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Gemini: a `google.rpc.QuotaFailure` detail whose violation names this quota, e.g.
   * `GenerateRequestsPerDayPerProjectPerModel-FreeTier` (a per-day quota).
   */
  readonly geminiQuotaId?: string;
}

/** A provider error event sent in the middle of a stream; the response ends after it. */
export interface FakeLlmStreamError {
  /** Text chunks sent before the error event. */
  readonly afterChunks: number;
  /** @default 'overloaded' */
  readonly kind?: FakeLlmStreamErrorKind;
  /** @default the provider's usual message for `kind` */
  readonly message?: string;
  /** How the Responses API reports it: a `response.failed` event or an `error` event. @default 'response.failed' */
  readonly responsesEvent?: 'response.failed' | 'error';
}

/**
 * One piece of a scripted answer, rendered in each provider's wire format:
 * - `text`: one text delta;
 * - `reasoning`: thinking deltas (one per string), closed by `signature` when given (Anthropic
 *   `signature_delta`, Gemini `thoughtSignature`; OpenAI-compatible servers send
 *   `reasoning_content` deltas and no signature; the Responses API a reasoning summary);
 * - `redacted-reasoning`: an Anthropic `redacted_thinking` block (nothing elsewhere);
 * - `tool-call`: a function call whose JSON `arguments` stream in `fragments` pieces (Gemini sends
 *   the call whole); consecutive calls are parallel calls with indexes 0, 1, ...;
 * - `refusal`: an OpenAI `refusal` delta (text elsewhere).
 * Each delta is one step of the pacing: `chunkDelayMs` apart, counted by `*AfterChunks`.
 */
export type FakeLlmPart =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'reasoning';
      readonly text: string | readonly string[];
      readonly signature?: string;
    }
  | { readonly type: 'redacted-reasoning'; readonly data: string }
  | {
      readonly type: 'tool-call';
      /** @default `call_<index>` */
      readonly id?: string;
      readonly name: string;
      /** The whole JSON text of the arguments. */
      readonly arguments: string;
      /** How many deltas the arguments are split into. @default 1 */
      readonly fragments?: number;
      /** Gemini: a `thoughtSignature` on the call. */
      readonly signature?: string;
    }
  | { readonly type: 'refusal'; readonly text: string };

/**
 * What the fake provider answers to one request. Everything is optional: the default is
 * a 200 that streams {@link DEFAULT_CHUNKS} at full speed and ends normally. The same
 * scenario renders in the wire format of whichever API the request hit.
 */
export interface FakeLlmScenario {
  /** Text pieces, one provider chunk each, in order. @default DEFAULT_CHUNKS (unless `parts` is given) */
  readonly chunks?: readonly string[];
  /** Typed pieces (reasoning, tool calls, refusals, text) instead of `chunks`. */
  readonly parts?: readonly FakeLlmPart[];
  /** More headers on a 200 answer, streamed or not (a provider's rate-limit headers, say). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Token usage the provider reports. @default { inputTokens: 10, outputTokens: the number of steps } */
  readonly usage?: FakeLlmUsage;
  /** Why the model stopped, in neutral words; each API renders its own value. @default 'stop' */
  readonly finishReason?: FakeLlmFinishReason;
  /** Milliseconds before the status line and headers are sent. @default 0 */
  readonly headersDelayMs?: number;
  /** Milliseconds between the headers and the first text chunk (time to first token); a JSON answer waits this long before its headers. @default 0 */
  readonly firstChunkDelayMs?: number;
  /** Milliseconds between text chunks (streaming only). @default 0 */
  readonly chunkDelayMs?: number;
  /** Answer with this HTTP error instead. */
  readonly httpError?: FakeLlmHttpError;
  /** Streaming only: send a provider error event after some chunks, then end the response. */
  readonly streamError?: FakeLlmStreamError;
  /** Streaming only: destroy the socket after this many text chunks, a network failure mid-stream. */
  readonly disconnectAfterChunks?: number;
  /** Streaming only: end the response cleanly after this many text chunks, without the provider's terminal events. */
  readonly truncateAfterChunks?: number;
  /** Streaming only: after this many text chunks, stop writing and keep the response open until the client leaves. */
  readonly hangAfterChunks?: number;
  /** Anthropic: also send a `ping` event after every this many text chunks. One always follows `content_block_start`. */
  readonly pingEveryChunks?: number;
  /** Gemini: answer with `promptFeedback.blockReason` (e.g. `'SAFETY'`) and no candidates. */
  readonly geminiBlockReason?: string;
}

/** Picks the scenario for one request, e.g. by `request.model` or `request.api`. */

/** The text a scenario streams when it does not say. */
export const DEFAULT_CHUNKS: readonly string[] = [
  'Hello',
  ' from',
  ' the',
  ' fake',
  ' server',
  '.',
];

/** Splits `text` into `count` nearly equal pieces (fewer for a short text), none empty. */
function fragmentsOf(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, count)));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size)
    pieces.push(text.slice(start, start + size));
  return pieces;
}

/** The steps of a scenario: its parts (or chunks) cut into what the server writes one at a time. */
export function stepsOf(scenario: FakeLlmScenario): WireStep[] {
  if (scenario.parts === undefined) {
    return (scenario.chunks ?? DEFAULT_CHUNKS).map((text) => ({ kind: 'text' as const, text }));
  }
  const steps: WireStep[] = [];
  let calls = 0;
  for (const part of scenario.parts) {
    switch (part.type) {
      case 'text':
        steps.push({ kind: 'text', text: part.text });
        break;
      case 'refusal':
        steps.push({ kind: 'refusal', text: part.text });
        break;
      case 'redacted-reasoning':
        steps.push({ kind: 'redacted-reasoning', data: part.data });
        break;
      case 'reasoning':
        for (const text of typeof part.text === 'string' ? [part.text] : part.text) {
          steps.push({ kind: 'reasoning', text });
        }
        if (part.signature !== undefined) {
          steps.push({ kind: 'reasoning-signature', signature: part.signature });
        }
        break;
      case 'tool-call': {
        const index = calls++;
        const id = part.id ?? `call_${index}`;
        steps.push({ kind: 'tool-call-start', index, id, name: part.name });
        for (const fragment of fragmentsOf(part.arguments, part.fragments ?? 1)) {
          steps.push({ kind: 'tool-call-delta', index, fragment });
        }
        steps.push({
          kind: 'tool-call-end',
          index,
          id,
          name: part.name,
          arguments: part.arguments,
          signature: part.signature,
        });
        break;
      }
    }
  }
  return steps;
}

/** Checks a scenario's numbers and exclusive options with precise messages. */
export function validateScenario(scenario: FakeLlmScenario) {
  for (const key of [
    'headersDelayMs',
    'firstChunkDelayMs',
    'chunkDelayMs',
    'disconnectAfterChunks',
    'truncateAfterChunks',
    'hangAfterChunks',
    'pingEveryChunks',
  ] as const) {
    const value = scenario[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`${key} must be a finite number ≥ 0, got ${value}`);
    }
  }
  if (scenario.parts !== undefined && scenario.chunks !== undefined) {
    throw new TypeError('a scenario has chunks or parts, not both');
  }
  if (
    scenario.httpError &&
    !(scenario.httpError.status >= 400 && scenario.httpError.status < 600)
  ) {
    throw new RangeError(`httpError.status must be 400-599, got ${scenario.httpError.status}`);
  }
}
