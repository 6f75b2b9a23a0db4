import type { StreamEvent } from '@breakwater/llm-stream';

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
      usage: { input_tokens: number; output_tokens: number; estimated: boolean };
      duration_ms: number;
      finish_reason: string | null;
    }
  | { type: 'stream_cancelled'; stream_id: string; reason: string }
  | { type: 'error'; code: string; message: string; retry_after_ms?: number; stream_id?: string };

/** Serializes stream events into the /ws/assistant protocol. */
export function createAssistantSerializer(cached: boolean): (event: StreamEvent) => string | null {
  return (event) => {
    let message: AssistantServerMessage;
    switch (event.type) {
      case 'start':
        message = { type: 'stream_start', stream_id: event.stream_id, model: event.model, cached };
        break;
      case 'chunk':
        message = {
          type: 'stream_chunk',
          stream_id: event.stream_id,
          content: event.content,
          progress_percent: event.progress_percent,
          chunk_number: event.chunk_number,
          total_tokens: event.total_tokens,
        };
        break;
      case 'complete':
        message = {
          type: 'stream_end',
          stream_id: event.stream_id,
          model: event.model,
          total_tokens: event.total_tokens,
          usage: event.usage,
          duration_ms: event.duration_ms,
          finish_reason: event.finish_reason,
        };
        break;
      case 'error':
        message = {
          type: 'error',
          stream_id: event.stream_id,
          code: event.code,
          message: event.message,
          ...(event.retry_after_ms === undefined ? {} : { retry_after_ms: event.retry_after_ms }),
        };
        break;
      case 'cancelled':
        message = { type: 'stream_cancelled', stream_id: event.stream_id, reason: event.reason };
        break;
      default:
        // Reasoning, tool-call and refusal parts have no message in this protocol yet.
        return null;
    }
    return JSON.stringify(message);
  };
}
