/**
 * Wire formats of the fake LLM server: how OpenAI (Chat Completions and Responses),
 * Anthropic (Messages) and Google Gemini (generateContent) write their JSON bodies, their
 * server-sent events and their error responses. Shapes follow the providers' API references
 * and the official SDKs' type definitions, so the real SDKs parse them unchanged.
 */

/** The provider APIs the fake server speaks. */
export type FakeLlmApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'anthropic.messages'
  | 'gemini.generate';

/** Finish reasons a scenario can script, rendered in each provider's own vocabulary. */
export type FakeLlmFinishReason = 'stop' | 'length' | 'content_filter';

/** Kinds of error a scenario can raise in the middle of a stream. */
export type FakeLlmStreamErrorKind = 'overloaded' | 'server_error' | 'rate_limited';

/** Token usage the fake provider reports. */
export interface FakeLlmUsage {
  /** Prompt tokens, cached ones included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens served from the provider's prompt cache (part of `inputTokens`). @default 0 */
  readonly cachedInputTokens?: number;
}

/** What the renderers need to know about one answer. */
export interface WireAnswer {
  readonly requestIndex: number;
  readonly model: string;
  readonly chunks: readonly string[];
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
  /** Frames before the first text chunk (`message_start`, `response.created`, ...). */
  start(): string[];
  /** Frames carrying text chunk number `index` (0-based). */
  chunk(text: string, index: number): string[];
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

const SSE_HEADERS = { 'cache-control': 'no-cache', connection: 'keep-alive' } as const;

function sse(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

function requestId(prefix: string, index: number) {
  return `${prefix}${String(index).padStart(8, '0')}fake`;
}

/** Splits `total` over `count` chunks so chunk `index` reports the running total. */
function cumulative(total: number, index: number, count: number) {
  return count === 0 ? total : Math.round((total * (index + 1)) / count);
}

function retryHeaders(error: FakeLlmHttpErrorLike): Record<string, string> {
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
}

// ---------------------------------------------------------------- OpenAI

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

function openaiStreamErrorObject(kind: FakeLlmStreamErrorKind, message: string | undefined) {
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
      reasoning_tokens: 0,
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
          content: answer.chunks.join(''),
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
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      ...SSE_HEADERS,
      'x-request-id': requestId('req_', answer.requestIndex),
    },
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
    chunk: (text) => [
      sse(chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }])),
    ],
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

function responsesUsage(usage: FakeLlmUsage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function responseObject(
  answer: WireAnswer,
  createdAt: number,
  state: {
    status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
    output: unknown[];
    usage: unknown;
    error?: unknown;
    incompleteReason?: string;
  },
) {
  return {
    id: requestId('resp_', answer.requestIndex),
    object: 'response',
    created_at: createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: null,
    max_output_tokens: null,
    model: answer.model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: state.usage,
    user: null,
    metadata: {},
  };
}

function responsesMessage(answer: WireAnswer, status: 'in_progress' | 'completed' | 'incomplete') {
  const text = answer.chunks.join('');
  return {
    id: requestId('msg_', answer.requestIndex),
    type: 'message',
    status,
    content:
      status === 'in_progress'
        ? []
        : [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

function responsesTerminal(answer: WireAnswer, createdAt: number) {
  const incompleteReason =
    answer.finishReason === 'length'
      ? 'max_output_tokens'
      : answer.finishReason === 'content_filter'
        ? 'content_filter'
        : undefined;
  const status = incompleteReason ? ('incomplete' as const) : ('completed' as const);
  return {
    type: incompleteReason ? 'response.incomplete' : 'response.completed',
    response: responseObject(answer, createdAt, {
      status,
      output: [responsesMessage(answer, status)],
      usage: responsesUsage(answer.usage),
      ...(incompleteReason ? { incompleteReason } : {}),
    }),
  };
}

/** A `response` body (non-streaming Responses API). */
export function openaiResponsesJson(answer: WireAnswer): string {
  return JSON.stringify(responsesTerminal(answer, nowSeconds()).response);
}

/**
 * Responses API SSE: named events (`event: response.output_text.delta`), each with a
 * `sequence_number`, from `response.created` to `response.completed` (or
 * `response.incomplete`); failures are `response.failed` or an `error` event.
 */
export function openaiResponsesStream(answer: WireAnswer): WireStream {
  const createdAt = nowSeconds();
  const itemId = requestId('msg_', answer.requestIndex);
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const inProgress = () =>
    responseObject(answer, createdAt, { status: 'in_progress', output: [], usage: null });
  return {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      ...SSE_HEADERS,
      'x-request-id': requestId('req_', answer.requestIndex),
    },
    start: () => [
      event('response.created', { response: inProgress() }),
      event('response.in_progress', { response: inProgress() }),
      event('response.output_item.added', {
        output_index: 0,
        item: responsesMessage(answer, 'in_progress'),
      }),
      event('response.content_part.added', {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      }),
    ],
    chunk: (text) => [
      event('response.output_text.delta', {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: text,
        logprobs: [],
        obfuscation: 'k2P',
      }),
    ],
    ping: () => [],
    finish: () => {
      const text = answer.chunks.join('');
      const terminal = responsesTerminal(answer, createdAt);
      return [
        event('response.output_text.done', {
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          text,
          logprobs: [],
        }),
        event('response.content_part.done', {
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', annotations: [], logprobs: [], text },
        }),
        event('response.output_item.done', {
          output_index: 0,
          item: responsesMessage(
            answer,
            terminal.response.status === 'completed' ? 'completed' : 'incomplete',
          ),
        }),
        event(terminal.type, { response: terminal.response }),
      ];
    },
    error: (kind, message, responsesEvent) => {
      const detail = openaiStreamErrorObject(kind, message);
      const code = kind === 'rate_limited' ? 'rate_limit_exceeded' : 'server_error';
      if (responsesEvent === 'error') {
        return [event('error', { code, message: detail.message, param: null })];
      }
      return [
        event('response.failed', {
          response: responseObject(answer, createdAt, {
            status: 'failed',
            output: [],
            usage: null,
            error: { code, message: detail.message },
          }),
        }),
      ];
    },
  };
}

// ---------------------------------------------------------------- Anthropic

const ANTHROPIC_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: {
    type: 'billing_error',
    message: 'Your credit balance is too low to access the Anthropic API.',
  },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: {
    type: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes.',
  },
  429: {
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

const ANTHROPIC_STREAM_ERRORS: Record<FakeLlmStreamErrorKind, { type: string; message: string }> = {
  overloaded: { type: 'overloaded_error', message: 'Overloaded' },
  server_error: { type: 'api_error', message: 'Internal server error' },
  rate_limited: { type: 'rate_limit_error', message: 'Rate limited' },
};

/** An Anthropic HTTP error: `{ type: 'error', error: { type, message }, request_id }` plus `request-id`. */
export function anthropicHttpError(error: FakeLlmHttpErrorLike, index: number): WireHttpError {
  const known =
    ANTHROPIC_ERRORS[error.status] ??
    (error.status >= 500 ? ANTHROPIC_ERRORS[500] : ANTHROPIC_ERRORS[400])!;
  const id = requestId('req_011', index);
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'request-id': id,
      ...retryHeaders(error),
      ...error.headers,
    },
    body: JSON.stringify({
      type: 'error',
      error: { type: known.type, message: error.message ?? known.message },
      request_id: id,
    }),
  };
}

const ANTHROPIC_FINISH: Record<FakeLlmFinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'refusal',
};

function anthropicUsage(usage: FakeLlmUsage, outputTokens: number) {
  const cached = usage.cachedInputTokens ?? 0;
  // Anthropic's input_tokens excludes cache reads; the three fields add up to the prompt.
  return {
    input_tokens: usage.inputTokens - cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

/** A `message` body (non-streaming Messages API). */
export function anthropicJson(answer: WireAnswer): string {
  return JSON.stringify({
    id: requestId('msg_01', answer.requestIndex),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: [{ type: 'text', text: answer.chunks.join('') }],
    stop_reason: ANTHROPIC_FINISH[answer.finishReason],
    stop_sequence: null,
    usage: anthropicUsage(answer.usage, answer.usage.outputTokens),
  });
}

/**
 * Messages SSE: `message_start` (with the prompt usage), `content_block_start`, `ping`,
 * `content_block_delta` text deltas, `content_block_stop`, `message_delta` (stop reason and
 * cumulative usage), `message_stop`; errors are `event: error` frames.
 */
export function anthropicStream(answer: WireAnswer): WireStream {
  const event = (type: string, fields: Record<string, unknown>) => sse({ type, ...fields }, type);
  return {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      ...SSE_HEADERS,
      'request-id': requestId('req_011', answer.requestIndex),
    },
    start: () => [
      event('message_start', {
        message: {
          id: requestId('msg_01', answer.requestIndex),
          type: 'message',
          role: 'assistant',
          model: answer.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: anthropicUsage(answer.usage, Math.min(1, answer.usage.outputTokens)),
        },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    ],
    chunk: (text) => [
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    ],
    ping: () => [event('ping', {})],
    finish: () => {
      const usage = anthropicUsage(answer.usage, answer.usage.outputTokens);
      return [
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: ANTHROPIC_FINISH[answer.finishReason], stop_sequence: null },
          usage: {
            input_tokens: usage.input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            output_tokens: usage.output_tokens,
          },
        }),
        event('message_stop', {}),
      ];
    },
    error: (kind, message) => {
      const known = ANTHROPIC_STREAM_ERRORS[kind];
      return [
        event('error', {
          error: { type: known.type, message: message ?? known.message },
          request_id: requestId('req_011', answer.requestIndex),
        }),
      ];
    },
  };
}

// ---------------------------------------------------------------- Gemini

const GEMINI_STATUS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: {
    status: 'UNAUTHENTICATED',
    message: 'Request had invalid authentication credentials.',
  },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'models/unknown is not found for API version v1beta.' },
  429: {
    status: 'RESOURCE_EXHAUSTED',
    message: 'Resource has been exhausted (e.g. check quota).',
  },
  500: { status: 'INTERNAL', message: 'An internal error has occurred.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline exceeded.' },
};

function geminiErrorBody(status: number, message?: string, retryDelaySeconds?: number) {
  const known = GEMINI_STATUS[status] ?? (status >= 500 ? GEMINI_STATUS[500] : GEMINI_STATUS[400])!;
  return {
    error: {
      code: status,
      message: message ?? known.message,
      status: known.status,
      ...(retryDelaySeconds !== undefined
        ? {
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.RetryInfo',
                retryDelay: `${retryDelaySeconds}s`,
              },
            ],
          }
        : {}),
    },
  };
}

/**
 * A Gemini HTTP error: `{ error: { code, message, status, details } }`; a retry delay is
 * carried, as Google does, in a `google.rpc.RetryInfo` detail (plus any scripted headers).
 */
export function geminiHttpError(error: FakeLlmHttpErrorLike): WireHttpError {
  const retryDelaySeconds =
    error.retryAfterSeconds ??
    (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      ...retryHeaders(error),
      ...error.headers,
    },
    body: JSON.stringify(geminiErrorBody(error.status, error.message, retryDelaySeconds)),
  };
}

const GEMINI_FINISH: Record<FakeLlmFinishReason, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

function geminiUsage(usage: FakeLlmUsage, outputTokens: number) {
  const cached = usage.cachedInputTokens ?? 0;
  return {
    promptTokenCount: usage.inputTokens,
    ...(outputTokens > 0 ? { candidatesTokenCount: outputTokens } : {}),
    totalTokenCount: usage.inputTokens + outputTokens,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.inputTokens }],
  };
}

function geminiResponse(
  answer: WireAnswer,
  candidate: { text: string; finishReason?: string },
  outputTokens: number,
) {
  return {
    candidates: [
      {
        content: { parts: [{ text: candidate.text }], role: 'model' },
        ...(candidate.finishReason ? { finishReason: candidate.finishReason } : {}),
        index: 0,
      },
    ],
    usageMetadata: geminiUsage(answer.usage, outputTokens),
    modelVersion: answer.model,
    responseId: requestId('gem', answer.requestIndex),
  };
}

function geminiBlocked(answer: WireAnswer) {
  return {
    promptFeedback: {
      blockReason: answer.geminiBlockReason,
      safetyRatings: [
        { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
      ],
    },
    usageMetadata: geminiUsage(answer.usage, 0),
    modelVersion: answer.model,
    responseId: requestId('gem', answer.requestIndex),
  };
}

/** A `GenerateContentResponse` body (`:generateContent`). */
export function geminiJson(answer: WireAnswer): string {
  if (answer.geminiBlockReason) return JSON.stringify(geminiBlocked(answer));
  return JSON.stringify(
    geminiResponse(
      answer,
      { text: answer.chunks.join(''), finishReason: GEMINI_FINISH[answer.finishReason] },
      answer.usage.outputTokens,
    ),
  );
}

/**
 * `:streamGenerateContent`: with `alt=sse`, one whole `GenerateContentResponse` per
 * `data:` frame (CRLF-delimited, no `[DONE]`), each with the cumulative `usageMetadata`,
 * the last with `finishReason`; without `alt=sse`, the same objects as one streamed JSON
 * array. Errors mid-stream are `{ error: { code, message, status } }` frames.
 */
export function geminiStream(answer: WireAnswer, format: 'sse' | 'json-array'): WireStream {
  let frames = 0;
  const frame = (data: unknown) => {
    const json = JSON.stringify(data);
    if (format === 'sse') return `data: ${json}\r\n\r\n`;
    return `${frames++ === 0 ? '[' : '\r\n,\r\n'}${json}`;
  };
  const count = answer.chunks.length;
  return {
    headers: {
      'content-type': format === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8',
      ...SSE_HEADERS,
    },
    start: () => (answer.geminiBlockReason ? [frame(geminiBlocked(answer))] : []),
    chunk: (text, index) => [
      frame(geminiResponse(answer, { text }, cumulative(answer.usage.outputTokens, index, count))),
    ],
    ping: () => [],
    finish: () => [
      ...(answer.geminiBlockReason
        ? []
        : [
            frame(
              geminiResponse(
                answer,
                { text: '', finishReason: GEMINI_FINISH[answer.finishReason] },
                answer.usage.outputTokens,
              ),
            ),
          ]),
      ...(format === 'json-array' ? [frames === 0 ? '[]' : '\r\n]'] : []),
    ],
    error: (kind, message) => {
      const status = kind === 'rate_limited' ? 429 : kind === 'overloaded' ? 503 : 500;
      return [frame(geminiErrorBody(status, message))];
    },
  };
}
