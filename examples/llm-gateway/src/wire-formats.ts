import type { StreamEndEvent, StreamEvent } from '@breakwater/llm-stream';

/** Maps a provider's stop reason to OpenAI's `finish_reason` values. */
export function openAIFinishReason(
  reason: string | null,
): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  switch ((reason ?? 'stop').toLowerCase()) {
    case 'length':
    case 'max_tokens':
      return 'length';
    case 'content_filter':
    case 'safety':
    case 'refusal':
      return 'content_filter';
    case 'tool_calls':
    case 'tool_use':
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

/** Serializes stream events as OpenAI `chat.completion.chunk` SSE frames. */
export function createOpenAIChunkSerializer(options: {
  includeUsage: boolean;
  created?: number;
}): (event: StreamEvent) => string | null {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const frame = (event: StreamEvent, body: Record<string, unknown>) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-${event.stream_id}`,
      object: 'chat.completion.chunk',
      created,
      model: event.model,
      system_fingerprint: null,
      ...body,
    })}\n\n`;
  return (event) => {
    switch (event.type) {
      case 'start':
        return frame(event, {
          choices: [
            {
              index: 0,
              delta: { role: 'assistant', content: '' },
              logprobs: null,
              finish_reason: null,
            },
          ],
        });
      case 'chunk':
        // The frame of every token: the same JSON as frame() builds, with only its three
        // strings encoded instead of a whole object tree per token.
        return `data: {"id":${JSON.stringify(`chatcmpl-${event.stream_id}`)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(event.model)},"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":${JSON.stringify(event.content)}},"logprobs":null,"finish_reason":null}]}\n\n`;
      case 'complete': {
        let text = frame(event, {
          choices: [
            {
              index: 0,
              delta: {},
              logprobs: null,
              finish_reason: openAIFinishReason(event.finish_reason),
            },
          ],
        });
        if (options.includeUsage) {
          text += frame(event, {
            choices: [],
            usage: {
              prompt_tokens: event.usage.input_tokens,
              completion_tokens: event.usage.output_tokens,
              total_tokens: event.usage.input_tokens + event.usage.output_tokens,
            },
          });
        }
        return `${text}data: [DONE]\n\n`;
      }
      case 'error':
        // The openai client raises an APIError for a frame carrying `error`.
        return `data: ${JSON.stringify({
          error: { message: event.message, type: 'upstream_error', code: event.code, param: null },
        })}\n\n`;
      case 'cancelled':
        return `data: ${JSON.stringify({
          error: {
            message: `stream cancelled: ${event.reason}`,
            type: 'cancelled',
            code: 'cancelled',
            param: null,
          },
        })}\n\n`;
      default:
        // Reasoning, tool-call and refusal parts have no frame here yet.
        return null;
    }
  };
}

/** The OpenAI `chat.completion` body of a finished stream. */
export function openAICompletion(
  end: StreamEndEvent & { type: 'complete' },
  text: string,
  created: number,
) {
  return {
    id: `chatcmpl-${end.stream_id}`,
    object: 'chat.completion',
    created,
    model: end.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: openAIFinishReason(end.finish_reason),
      },
    ],
    usage: {
      prompt_tokens: end.usage.input_tokens,
      completion_tokens: end.usage.output_tokens,
      total_tokens: end.usage.input_tokens + end.usage.output_tokens,
    },
  };
}

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
