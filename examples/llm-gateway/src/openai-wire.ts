import type { StreamCompleteEvent, StreamEvent, StreamUsage } from '@breakwater/llm-stream';

/**
 * OpenAI's `finish_reason` of a finished stream: llm-stream's normalized reason (`tool_calls`
 * whenever the answer carried a tool call), with `other` reported as `stop`.
 */
export function openAIFinishReason(
  reason: StreamCompleteEvent['finishReason'],
): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  return reason === 'other' ? 'stop' : reason;
}

/** OpenAI's `usage` object, with `completion_tokens_details.reasoning_tokens` when known. */
function openAIUsage(usage: StreamUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(usage.reasoningTokens === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}

/**
 * Serializes stream events as OpenAI `chat.completion.chunk` SSE frames: text as
 * `delta.content`, refusals as `delta.refusal`, reasoning as `delta.reasoning_content` (the
 * field DeepSeek and most OpenAI-compatible servers use; OpenAI's own Chat API sends none),
 * tool calls as `delta.tool_calls` keyed by `index` (the first fragment with `id`, `type`,
 * `name` and empty `arguments`, then argument pieces), as OpenAI streams them.
 */
export function createOpenAIChunkSerializer(options: {
  includeUsage: boolean;
  created?: number;
}): (event: StreamEvent) => string | null {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const frame = (event: StreamEvent, body: Record<string, unknown>) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-${event.streamId}`,
      object: 'chat.completion.chunk',
      created,
      model: event.model,
      system_fingerprint: null,
      ...body,
    })}\n\n`;
  const delta = (event: StreamEvent, value: Record<string, unknown>) =>
    frame(event, { choices: [{ index: 0, delta: value, logprobs: null, finish_reason: null }] });
  return (event) => {
    switch (event.type) {
      case 'start':
        return delta(event, { role: 'assistant', content: '' });
      case 'chunk':
        // The frame of every token: the same JSON as delta() builds, with only its three
        // strings encoded instead of a whole object tree per token.
        return `data: {"id":${JSON.stringify(`chatcmpl-${event.streamId}`)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(event.model)},"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":${JSON.stringify(event.content)}},"logprobs":null,"finish_reason":null}]}\n\n`;
      case 'refusal':
        return delta(event, { refusal: event.content });
      case 'reasoning':
        return delta(event, { reasoning_content: event.content });
      case 'tool_call_start':
        return delta(event, {
          tool_calls: [
            {
              index: event.toolCallIndex,
              id: event.toolCallId,
              type: 'function',
              function: { name: event.toolName, arguments: '' },
            },
          ],
        });
      case 'tool_call_delta':
        return delta(event, {
          tool_calls: [
            { index: event.toolCallIndex, function: { arguments: event.argumentsDelta } },
          ],
        });
      case 'complete': {
        let text = frame(event, {
          choices: [
            {
              index: 0,
              delta: {},
              logprobs: null,
              finish_reason: openAIFinishReason(event.finishReason),
            },
          ],
        });
        if (options.includeUsage)
          text += frame(event, { choices: [], usage: openAIUsage(event.usage) });
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
        // The end of a reasoning block, redacted reasoning and the whole tool call (already
        // streamed as deltas) have no Chat Completions frame.
        return null;
    }
  };
}

/** What a whole answer is made of, gathered from a stream's events. */
export interface CollectedAnswer {
  text: string;
  refusal: string;
  reasoning: string;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

/** Gathers the parts of an answer for a non-streaming response. */
export function createAnswerCollector(): {
  readonly answer: CollectedAnswer;
  read(event: StreamEvent): void;
} {
  const answer: CollectedAnswer = { text: '', refusal: '', reasoning: '', toolCalls: [] };
  return {
    answer,
    read(event) {
      if (event.type === 'chunk') answer.text += event.content;
      else if (event.type === 'refusal') answer.refusal += event.content;
      else if (event.type === 'reasoning') answer.reasoning += event.content;
      else if (event.type === 'tool_call') {
        answer.toolCalls[event.toolCallIndex] = {
          id: event.toolCallId,
          type: 'function',
          function: { name: event.toolName, arguments: event.arguments },
        };
      }
    },
  };
}

/** The OpenAI `chat.completion` body of a finished stream. */
export function openAICompletion(
  end: StreamCompleteEvent,
  answer: CollectedAnswer,
  created: number,
) {
  const toolCalls = answer.toolCalls.filter((call) => call !== undefined);
  return {
    id: `chatcmpl-${end.streamId}`,
    object: 'chat.completion',
    created,
    model: end.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI sends null content beside tool calls when the model wrote no text.
          content: answer.text === '' && toolCalls.length > 0 ? null : answer.text,
          refusal: answer.refusal === '' ? null : answer.refusal,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(answer.reasoning === '' ? {} : { reasoning_content: answer.reasoning }),
        },
        logprobs: null,
        finish_reason: openAIFinishReason(end.finishReason),
      },
    ],
    usage: openAIUsage(end.usage),
  };
}
