import {
  type FakeLlmFinishReason,
  type FakeLlmHttpErrorLike,
  type FakeLlmStreamErrorKind,
  type FakeLlmUsage,
  requestId,
  retryHeaders,
  SSE_HEADERS,
  sse,
  type WireAnswer,
  type WireHttpError,
  type WireStep,
  type WireStream,
} from './fake-llm-server-wire.js';

/** Anthropic wire format, Messages API: errors, the `message` body and its stream events. */

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
  tool_calls: 'tool_use',
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
    content: [{ type: 'text', text: answer.text }],
    stop_reason: ANTHROPIC_FINISH[answer.finishReason],
    stop_sequence: null,
    usage: anthropicUsage(answer.usage, answer.usage.outputTokens),
  });
}

type BlockType = 'text' | 'thinking' | 'tool_use';

/**
 * Messages SSE: `message_start` (with the prompt usage), then content blocks, each
 * `content_block_start`, `content_block_delta`s and `content_block_stop`: `text` (`text_delta`),
 * `thinking` (`thinking_delta`, then `signature_delta`), `redacted_thinking` (its `data` in the
 * start, no delta) and `tool_use` (`input_json_delta` fragments of the input); a `ping` follows
 * the first block start. Then `message_delta` (stop reason and cumulative usage) and
 * `message_stop`; errors are `event: error` frames.
 */
export function anthropicStream(answer: WireAnswer): WireStream {
  const event = (type: string, fields: Record<string, unknown>) => sse({ type, ...fields }, type);
  let index = -1;
  let open: BlockType | undefined;
  let pinged = false;
  const close = (): string[] => {
    if (open === undefined) return [];
    open = undefined;
    return [event('content_block_stop', { index })];
  };
  const begin = (type: BlockType, block: Record<string, unknown>): string[] => {
    const frames = close();
    index++;
    open = type;
    frames.push(event('content_block_start', { index, content_block: block }));
    if (!pinged) {
      pinged = true;
      frames.push(event('ping', {}));
    }
    return frames;
  };
  const delta = (fields: Record<string, unknown>) =>
    event('content_block_delta', { index, delta: fields });
  const step = (part: WireStep): string[] => {
    switch (part.kind) {
      case 'text':
      case 'refusal': {
        const frames = open === 'text' ? [] : begin('text', { type: 'text', text: '' });
        return [...frames, delta({ type: 'text_delta', text: part.text })];
      }
      case 'reasoning': {
        const frames =
          open === 'thinking'
            ? []
            : begin('thinking', { type: 'thinking', thinking: '', signature: '' });
        return [...frames, delta({ type: 'thinking_delta', thinking: part.text })];
      }
      case 'reasoning-signature':
        return open === 'thinking'
          ? [delta({ type: 'signature_delta', signature: part.signature }), ...close()]
          : [];
      case 'redacted-reasoning':
        return [...begin('thinking', { type: 'redacted_thinking', data: part.data }), ...close()];
      case 'tool-call-start':
        return begin('tool_use', { type: 'tool_use', id: part.id, name: part.name, input: {} });
      case 'tool-call-delta':
        return [delta({ type: 'input_json_delta', partial_json: part.fragment })];
      case 'tool-call-end':
        return close();
    }
  };
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
      // A text answer opens its block at once, as the API does.
      ...(answer.steps.length === 0 || answer.steps[0]!.kind === 'text'
        ? begin('text', { type: 'text', text: '' })
        : []),
    ],
    step: (part) => step(part),
    ping: () => [event('ping', {})],
    finish: () => {
      const usage = anthropicUsage(answer.usage, answer.usage.outputTokens);
      return [
        ...close(),
        event('message_delta', {
          delta: { stop_reason: ANTHROPIC_FINISH[answer.finishReason], stop_sequence: null },
          usage: {
            input_tokens: usage.input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            output_tokens: usage.output_tokens,
            ...(answer.usage.reasoningTokens
              ? { output_tokens_details: { thinking_tokens: answer.usage.reasoningTokens } }
              : {}),
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
