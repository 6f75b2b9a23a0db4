import {
  type FakeLlmFinishReason,
  type FakeLlmHttpErrorLike,
  type FakeLlmStreamErrorKind,
  type FakeLlmUsage,
  nowSeconds,
  requestId,
  retryHeaders,
  SSE_HEADERS,
  sse,
  type WireAnswer,
  type WireHttpError,
  type WireStep,
  type WireStream,
} from './fake-llm-server-wire.js';

/** OpenAI wire format, Chat Completions: errors, `chat.completion` and `chat.completion.chunk`. */

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message:
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  409: {
    type: 'invalid_request_error',
    code: null,
    message: 'The request conflicted with another request.',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again later.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

function openaiErrorObject(status: number, message?: string) {
  const known = OPENAI_ERRORS[status] ?? (status >= 500 ? OPENAI_ERRORS[500] : OPENAI_ERRORS[400])!;
  return { message: message ?? known.message, type: known.type, param: null, code: known.code };
}

/** An OpenAI HTTP error: `{ error: { message, type, param, code } }` plus `x-request-id`. */
export function openaiHttpError(error: FakeLlmHttpErrorLike, index: number): WireHttpError {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId('req_', index),
      'openai-version': '2020-10-01',
      ...retryHeaders(error),
      ...error.headers,
    },
    body: JSON.stringify({ error: openaiErrorObject(error.status, error.message) }),
  };
}

export function openaiStreamErrorObject(kind: FakeLlmStreamErrorKind, message: string | undefined) {
  if (kind === 'rate_limited') {
    return {
      message: message ?? 'Rate limit reached for tokens. Please try again later.',
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    };
  }
  return {
    message:
      message ??
      (kind === 'overloaded'
        ? 'The server is currently overloaded with other requests. Please try again later.'
        : 'The server had an error while processing your request. Sorry about that!'),
    type: 'server_error',
    param: null,
    code: kind === 'overloaded' ? 'server_is_overloaded' : null,
  };
}

function openaiUsage(usage: FakeLlmUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const OPENAI_FINISH: Record<FakeLlmFinishReason, string> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
};

/** A `chat.completion` body (non-streaming Chat Completions). */
export function openaiChatJson(answer: WireAnswer): string {
  return JSON.stringify({
    id: requestId('chatcmpl-', answer.requestIndex),
    object: 'chat.completion',
    created: nowSeconds(),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.text,
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: OPENAI_FINISH[answer.finishReason],
      },
    ],
    usage: openaiUsage(answer.usage),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  });
}

/**
 * The `delta` of one step: `content`, `reasoning_content` (as DeepSeek and vLLM send it),
 * `refusal`, or a `tool_calls` entry keyed by `index` (the first with `id`, `type`, `name` and
 * empty arguments, the next ones with an `arguments` fragment only). OpenAI has no reasoning
 * signature nor redacted reasoning, and no event at the end of a call.
 */
function chatDelta(step: WireStep): Record<string, unknown> | undefined {
  switch (step.kind) {
    case 'text':
      return { content: step.text };
    case 'reasoning':
      return { reasoning_content: step.text };
    case 'refusal':
      return { refusal: step.text };
    case 'tool-call-start':
      return {
        tool_calls: [
          {
            index: step.index,
            id: step.id,
            type: 'function',
            function: { name: step.name, arguments: '' },
          },
        ],
      };
    case 'tool-call-delta':
      return { tool_calls: [{ index: step.index, function: { arguments: step.fragment } }] };
    default:
      return undefined;
  }
}

/** The headers of an OpenAI stream, Chat Completions and Responses alike. */
export function openaiStreamHeaders(requestIndex: number): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    ...SSE_HEADERS,
    'x-request-id': requestId('req_', requestIndex),
  };
}

/**
 * Chat Completions SSE: `data: {chat.completion.chunk}` frames, the first with the
 * assistant role, one with `finish_reason`, then (with `stream_options.include_usage`)
 * a chunk with `choices: []` and `usage`, then `data: [DONE]`. With include_usage on,
 * every other chunk carries `usage: null`, as the API does.
 */
export function openaiChatStream(answer: WireAnswer): WireStream {
  const id = requestId('chatcmpl-', answer.requestIndex);
  const created = nowSeconds();
  const chunk = (choices: unknown[], usage?: unknown) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: answer.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
    choices,
    ...(answer.includeUsage ? { usage: usage ?? null } : {}),
    obfuscation: 'x7Q',
  });
  return {
    headers: openaiStreamHeaders(answer.requestIndex),
    start: () => [
      sse(
        chunk([
          {
            index: 0,
            delta: { role: 'assistant', content: '', refusal: null },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      ),
    ],
    step: (step) => {
      const delta = chatDelta(step);
      return delta === undefined
        ? []
        : [sse(chunk([{ index: 0, delta, logprobs: null, finish_reason: null }]))];
    },
    ping: () => [],
    finish: () => [
      sse(
        chunk([
          {
            index: 0,
            delta: {},
            logprobs: null,
            finish_reason: OPENAI_FINISH[answer.finishReason],
          },
        ]),
      ),
      ...(answer.includeUsage ? [sse(chunk([], openaiUsage(answer.usage)))] : []),
      sse('[DONE]'),
    ],
    error: (kind, message) => [sse({ error: openaiStreamErrorObject(kind, message) })],
  };
}
