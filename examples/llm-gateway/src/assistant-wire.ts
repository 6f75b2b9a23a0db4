import type { StreamCompleteEvent, StreamEvent } from '@breakwater/llm-stream';

/** Messages of the /ws/assistant protocol, server to client. */
export type AssistantServerMessage =
  | { type: 'stream_start'; stream_id: string; model: string; cached: boolean }
  | {
      type: 'stream_chunk';
      stream_id: string;
      content: string;
      progress_percent: number | null;
      chunk_number: number;
      total_tokens: number;
    }
  | {
      type: 'stream_end';
      stream_id: string;
      /** The model that answered (after any failover). */
      model: string;
      total_tokens: number;
      usage: {
        input_tokens: number;
        output_tokens: number;
        reasoning_tokens?: number;
        estimated: boolean;
      };
      duration_ms: number;
      finish_reason: string | null;
    }
  | { type: 'stream_cancelled'; stream_id: string; reason: string }
  | { type: 'error'; code: string; message: string; retry_after_ms?: number; stream_id?: string };

/**
 * Serializes stream events into the /ws/assistant protocol: the one place its snake_case
 * fields are mapped from the camelCase events, field by field.
 */
export function createAssistantSerializer(cached: boolean): (event: StreamEvent) => string | null {
  return (event) => {
    let message: AssistantServerMessage;
    switch (event.type) {
      case 'start':
        message = { type: 'stream_start', stream_id: event.streamId, model: event.model, cached };
        break;
      case 'chunk':
        message = {
          type: 'stream_chunk',
          stream_id: event.streamId,
          content: event.content,
          progress_percent: event.progressPercent,
          chunk_number: event.chunkNumber,
          total_tokens: event.totalTokens,
        };
        break;
      case 'complete':
        message = {
          type: 'stream_end',
          stream_id: event.streamId,
          model: event.model,
          total_tokens: event.totalTokens,
          usage:
            event.usage.reasoningTokens === undefined
              ? {
                  input_tokens: event.usage.inputTokens,
                  output_tokens: event.usage.outputTokens,
                  estimated: event.usage.estimated,
                }
              : {
                  input_tokens: event.usage.inputTokens,
                  output_tokens: event.usage.outputTokens,
                  reasoning_tokens: event.usage.reasoningTokens,
                  estimated: event.usage.estimated,
                },
          duration_ms: event.durationMs,
          finish_reason: event.finishReason,
        };
        break;
      case 'error':
        message = {
          type: 'error',
          stream_id: event.streamId,
          code: event.code,
          message: event.message,
          ...(event.retryAfterMs === undefined ? {} : { retry_after_ms: event.retryAfterMs }),
        };
        break;
      case 'cancelled':
        message = { type: 'stream_cancelled', stream_id: event.streamId, reason: event.reason };
        break;
      default:
        // Reasoning, tool-call and refusal parts have no message in this protocol yet.
        return null;
    }
    return JSON.stringify(message);
  };
}

/**
 * The one `stream_chunk` of a `stream: false` turn: the whole answer, sent just before
 * `stream_end`.
 */
export function wholeAnswerChunk(end: StreamCompleteEvent, answer: string): AssistantServerMessage {
  return {
    type: 'stream_chunk',
    stream_id: end.streamId,
    content: answer,
    progress_percent: 100,
    chunk_number: 1,
    total_tokens: end.totalTokens,
  };
}
