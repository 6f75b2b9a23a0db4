import type {
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { NormalizedFinishReason } from '../adapters/normalize-finish-reason.js';
import type { StreamEvent, StreamUsage } from '../stream-event.js';

const UNIFIED: Readonly<Record<NormalizedFinishReason, LanguageModelV3FinishReason['unified']>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  content_filter: 'content-filter',
  other: 'other',
};

/** A completed stream's finish reason in the AI SDK's shape. */
export function toAiSdkFinishReason(
  event: Extract<StreamEvent, { type: 'complete' }>,
): LanguageModelV3FinishReason {
  return { unified: UNIFIED[event.finishReason], raw: event.providerFinishReason ?? undefined };
}

/** A stream's usage in the AI SDK's shape. */
export function toAiSdkUsage(usage: StreamUsage): LanguageModelV3Usage {
  const reasoning = usage.reasoningTokens;
  return {
    inputTokens: {
      total: usage.inputTokens,
      noCache: undefined,
      cacheRead: undefined,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: usage.outputTokens,
      text: reasoning === undefined ? undefined : usage.outputTokens - reasoning,
      reasoning,
    },
  };
}

/**
 * Turns managed-stream events back into AI SDK stream parts, one event at a time: text runs and
 * reasoning blocks get `*-start`/`*-end` around their deltas, tool calls `tool-input-*` then a
 * `tool-call`, refusals become text (the AI SDK has no refusal part), and the end a `finish`
 * (after an `error` part when the stream failed mid-way). Signatures and redacted thinking ride
 * in `providerMetadata.anthropic`, where `@ai-sdk/anthropic` puts them.
 */
export class AiSdkPartWriter {
  #textId: string | null = null;
  #reasoningId: string | null = null;
  #blocks = 0;

  /** The parts for one event (none for `start`). */
  write(event: StreamEvent): LanguageModelV3StreamPart[] {
    switch (event.type) {
      case 'start':
        return [];
      case 'chunk':
      case 'refusal':
        return [
          ...this.#openText(),
          { type: 'text-delta', id: this.#textId!, delta: event.content },
        ];
      case 'reasoning':
        return [
          ...this.#openReasoning(),
          { type: 'reasoning-delta', id: this.#reasoningId!, delta: event.content },
        ];
      case 'reasoning_end': {
        const parts = this.#openReasoning();
        const id = this.#reasoningId!;
        this.#reasoningId = null;
        parts.push({
          type: 'reasoning-end',
          id,
          ...(event.signature === null
            ? {}
            : { providerMetadata: { anthropic: { signature: event.signature } } }),
        });
        return parts;
      }
      case 'redacted_reasoning': {
        const id = `reasoning-${this.#blocks++}`;
        const providerMetadata = { anthropic: { redactedData: event.data } };
        return [
          { type: 'reasoning-start', id, providerMetadata },
          { type: 'reasoning-end', id, providerMetadata },
        ];
      }
      case 'tool_call_start':
        return [{ type: 'tool-input-start', id: event.toolCallId, toolName: event.toolName }];
      case 'tool_call_delta':
        return [{ type: 'tool-input-delta', id: event.toolCallId, delta: event.argumentsDelta }];
      case 'tool_call':
        return [
          { type: 'tool-input-end', id: event.toolCallId },
          {
            type: 'tool-call',
            toolCallId: event.toolCallId,
            toolName: event.toolName,
            input: event.arguments,
          },
        ];
      case 'complete':
        return [
          ...this.#closeAll(),
          {
            type: 'finish',
            usage: toAiSdkUsage(event.usage),
            finishReason: toAiSdkFinishReason(event),
          },
        ];
      case 'error':
        return [
          ...this.#closeAll(),
          { type: 'error', error: event.error },
          {
            type: 'finish',
            usage: toAiSdkUsage(event.usage),
            finishReason: { unified: 'error', raw: event.code },
          },
        ];
      case 'cancelled':
        return this.#closeAll();
    }
  }

  #openText(): LanguageModelV3StreamPart[] {
    if (this.#textId !== null) return [];
    this.#textId = `text-${this.#blocks++}`;
    return [{ type: 'text-start', id: this.#textId }];
  }

  #openReasoning(): LanguageModelV3StreamPart[] {
    if (this.#reasoningId !== null) return [];
    this.#reasoningId = `reasoning-${this.#blocks++}`;
    return [{ type: 'reasoning-start', id: this.#reasoningId }];
  }

  #closeAll(): LanguageModelV3StreamPart[] {
    const parts: LanguageModelV3StreamPart[] = [];
    if (this.#reasoningId !== null) parts.push({ type: 'reasoning-end', id: this.#reasoningId });
    if (this.#textId !== null) parts.push({ type: 'text-end', id: this.#textId });
    this.#reasoningId = null;
    this.#textId = null;
    return parts;
  }
}
