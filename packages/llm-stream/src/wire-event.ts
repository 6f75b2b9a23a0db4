import type { NormalizedFinishReason } from './adapters/normalize-finish-reason.js';
import type { StreamErrorCode } from './stream-error.js';
import type { StreamEvent, StreamUsage } from './stream-event.js';

/** {@link StreamUsage} as sent to clients: snake_case keys, `reasoning_tokens` only when known. */
export interface WireUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens?: number;
  readonly estimated: boolean;
}

/** The fields every {@link WireEvent} carries. */
export interface WireEventBase {
  readonly stream_id: string;
  readonly model: string;
  readonly provider: string;
}

/**
 * A stream event as sent to clients (the JSON of the default SSE and WebSocket writers): the
 * fields of the in-process {@link StreamEvent} in snake_case, without the server-side `error`
 * object of an `error` event. `type` is the same as in process, and is the SSE `event:` name.
 */
export type WireEvent = WireEventBase &
  (
    | {
        readonly type: 'start';
        readonly timestamp: number;
      }
    | {
        readonly type: 'chunk';
        readonly chunk_number: number;
        readonly content: string;
        readonly tokens_in_chunk: number;
        readonly total_tokens: number;
        readonly elapsed_seconds: number;
        readonly progress_percent: number | null;
        readonly timestamp: number;
      }
    | {
        readonly type: 'reasoning' | 'refusal';
        readonly content: string;
      }
    | {
        readonly type: 'reasoning_end';
        readonly content: string;
        readonly signature: string | null;
      }
    | {
        readonly type: 'redacted_reasoning';
        readonly data: string;
      }
    | {
        readonly type: 'tool_call_start';
        readonly tool_call_index: number;
        readonly tool_call_id: string;
        readonly tool_name: string;
      }
    | {
        readonly type: 'tool_call_delta';
        readonly tool_call_index: number;
        readonly tool_call_id: string;
        readonly arguments_delta: string;
      }
    | {
        readonly type: 'tool_call';
        readonly tool_call_index: number;
        readonly tool_call_id: string;
        readonly tool_name: string;
        readonly arguments: string;
        /** Absent when `arguments` is not valid JSON (`parse_error` says why). */
        readonly input: unknown;
        readonly parse_error: string | null;
        readonly signature: string | null;
      }
    | {
        readonly type: 'complete';
        readonly total_tokens: number;
        readonly usage: WireUsage;
        readonly ttft_ms: number | null;
        readonly duration_ms: number;
        readonly tokens_per_second: number | null;
        readonly finish_reason: NormalizedFinishReason;
        readonly provider_finish_reason: string | null;
      }
    | {
        readonly type: 'error';
        readonly code: StreamErrorCode;
        readonly message: string;
        readonly retryable: boolean;
        readonly status?: number;
        readonly retry_after_ms?: number;
        readonly usage: WireUsage;
      }
    | {
        readonly type: 'cancelled';
        readonly reason: string;
        readonly usage: WireUsage;
      }
  );

function toWireUsage(usage: StreamUsage): WireUsage {
  return usage.reasoningTokens === undefined
    ? {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        estimated: usage.estimated,
      }
    : {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        reasoning_tokens: usage.reasoningTokens,
        estimated: usage.estimated,
      };
}

/**
 * The wire form of an event: its fields in snake_case, field by field, and without what must
 * not leave the server (the `error` object of an `error` event, whose `cause` may hold the
 * provider's raw response). The one place the default SSE and WebSocket writers get their JSON.
 */
export function toWireEvent(event: StreamEvent): WireEvent {
  switch (event.type) {
    case 'start':
      return {
        type: 'start',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        timestamp: event.timestamp,
      };
    case 'chunk':
      return {
        type: 'chunk',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        chunk_number: event.chunkNumber,
        content: event.content,
        tokens_in_chunk: event.tokensInChunk,
        total_tokens: event.totalTokens,
        elapsed_seconds: event.elapsedSeconds,
        progress_percent: event.progressPercent,
        timestamp: event.timestamp,
      };
    case 'reasoning':
    case 'refusal':
      return {
        type: event.type,
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        content: event.content,
      };
    case 'reasoning_end':
      return {
        type: 'reasoning_end',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        content: event.content,
        signature: event.signature,
      };
    case 'redacted_reasoning':
      return {
        type: 'redacted_reasoning',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        data: event.data,
      };
    case 'tool_call_start':
      return {
        type: 'tool_call_start',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        tool_call_index: event.toolCallIndex,
        tool_call_id: event.toolCallId,
        tool_name: event.toolName,
      };
    case 'tool_call_delta':
      return {
        type: 'tool_call_delta',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        tool_call_index: event.toolCallIndex,
        tool_call_id: event.toolCallId,
        arguments_delta: event.argumentsDelta,
      };
    case 'tool_call':
      return {
        type: 'tool_call',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        tool_call_index: event.toolCallIndex,
        tool_call_id: event.toolCallId,
        tool_name: event.toolName,
        arguments: event.arguments,
        input: event.input,
        parse_error: event.parseError,
        signature: event.signature,
      };
    case 'complete':
      return {
        type: 'complete',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        total_tokens: event.totalTokens,
        usage: toWireUsage(event.usage),
        ttft_ms: event.ttftMs,
        duration_ms: event.durationMs,
        tokens_per_second: event.tokensPerSecond,
        finish_reason: event.finishReason,
        provider_finish_reason: event.providerFinishReason,
      };
    case 'error':
      return {
        type: 'error',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        code: event.code,
        message: event.message,
        retryable: event.retryable,
        ...(event.status === undefined ? {} : { status: event.status }),
        ...(event.retryAfterMs === undefined ? {} : { retry_after_ms: event.retryAfterMs }),
        usage: toWireUsage(event.usage),
      };
    case 'cancelled':
      return {
        type: 'cancelled',
        stream_id: event.streamId,
        model: event.model,
        provider: event.provider,
        reason: event.reason,
        usage: toWireUsage(event.usage),
      };
    default: {
      const unknown: never = event;
      throw new TypeError(
        `no wire form for a ${String((unknown as { type?: unknown }).type)} event`,
      );
    }
  }
}
