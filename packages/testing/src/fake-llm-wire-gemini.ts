import {
  cumulative,
  type FakeLlmFinishReason,
  type FakeLlmHttpErrorLike,
  type FakeLlmUsage,
  requestId,
  retryHeaders,
  SSE_HEADERS,
  type WireAnswer,
  type WireHttpError,
  type WireStep,
  type WireStream,
} from './fake-llm-server-wire.js';

/** Gemini wire format, generateContent: errors and `GenerateContentResponse` chunks. */

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

function geminiErrorBody(
  status: number,
  message?: string,
  retryDelaySeconds?: number,
  quotaId?: string,
) {
  const known = GEMINI_STATUS[status] ?? (status >= 500 ? GEMINI_STATUS[500] : GEMINI_STATUS[400])!;
  // Google lists the quota that failed before the delay.
  const details = [
    ...(quotaId !== undefined
      ? [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests',
                quotaId,
              },
            ],
          },
        ]
      : []),
    ...(retryDelaySeconds !== undefined
      ? [
          {
            '@type': 'type.googleapis.com/google.rpc.RetryInfo',
            retryDelay: `${retryDelaySeconds}s`,
          },
        ]
      : []),
  ];
  return {
    error: {
      code: status,
      message: message ?? known.message,
      status: known.status,
      ...(details.length > 0 ? { details } : {}),
    },
  };
}

/**
 * A Gemini HTTP error: `{ error: { code, message, status, details } }`; a retry delay is
 * carried, as Google does, in a `google.rpc.RetryInfo` detail (plus any scripted headers), a
 * quota that failed in a `google.rpc.QuotaFailure` detail.
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
    body: JSON.stringify(
      geminiErrorBody(error.status, error.message, retryDelaySeconds, error.geminiQuotaId),
    ),
  };
}

const GEMINI_FINISH: Record<FakeLlmFinishReason, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
  // Gemini has no tool-call reason: a turn that calls functions ends with STOP.
  tool_calls: 'STOP',
};

/** Gemini counts thoughts apart: `candidatesTokenCount` + `thoughtsTokenCount` is the output. */
function geminiUsage(usage: FakeLlmUsage, outputTokens: number) {
  const cached = usage.cachedInputTokens ?? 0;
  const thoughts = Math.min(usage.reasoningTokens ?? 0, outputTokens);
  const candidates = outputTokens - thoughts;
  return {
    promptTokenCount: usage.inputTokens,
    ...(candidates > 0 ? { candidatesTokenCount: candidates } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    totalTokenCount: usage.inputTokens + outputTokens,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.inputTokens }],
  };
}

function geminiResponse(
  answer: WireAnswer,
  candidate: { parts: readonly Record<string, unknown>[]; finishReason?: string },
  outputTokens: number,
) {
  return {
    candidates: [
      {
        content: { parts: candidate.parts, role: 'model' },
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
      { parts: [{ text: answer.text }], finishReason: GEMINI_FINISH[answer.finishReason] },
      answer.usage.outputTokens,
    ),
  );
}

/**
 * The parts of one step: text, a thought (`thought: true`), a thought signature (on an empty
 * thought part), or a whole `functionCall` at the end of a call (Gemini streams no argument
 * fragments); nothing for the other steps.
 */
function geminiParts(step: WireStep): Record<string, unknown>[] {
  switch (step.kind) {
    case 'text':
    case 'refusal':
      return [{ text: step.text }];
    case 'reasoning':
      return [{ text: step.text, thought: true }];
    case 'reasoning-signature':
      return [{ text: '', thought: true, thoughtSignature: step.signature }];
    case 'tool-call-end':
      return [
        {
          functionCall: { id: step.id, name: step.name, args: JSON.parse(step.arguments) },
          ...(step.signature === undefined ? {} : { thoughtSignature: step.signature }),
        },
      ];
    default:
      return [];
  }
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
  const count = answer.steps.length;
  return {
    headers: {
      'content-type': format === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8',
      ...SSE_HEADERS,
    },
    start: () => (answer.geminiBlockReason ? [frame(geminiBlocked(answer))] : []),
    step: (step, index) => {
      const parts = geminiParts(step);
      if (parts.length === 0) return [];
      const output = cumulative(answer.usage.outputTokens, index, count);
      return [frame(geminiResponse(answer, { parts }, output))];
    },
    ping: () => [],
    finish: () => [
      ...(answer.geminiBlockReason
        ? []
        : [
            frame(
              geminiResponse(
                answer,
                { parts: [{ text: '' }], finishReason: GEMINI_FINISH[answer.finishReason] },
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
