import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { type AdapterOptions, checkAdapterOptions } from '../adapters/adapter-options.js';
import {
  type ChunkTranslator,
  createProviderSource,
  estimatePromptTokens,
  incompleteStream,
  UsageReporter,
} from '../adapters/create-provider-source.js';
import { ProviderError, toProviderError } from '../adapters/provider-error.js';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';

/** Options of {@link aiSdkSource}. */
export interface AiSdkSourceOptions extends AdapterOptions {
  /**
   * Starts the model's stream for one attempt. The middleware passes the `doStream` it was given,
   * so the wrapped model's other middleware still applies.
   * @default (options) => model.doStream(options)
   */
  readonly doStream?: (
    options: LanguageModelV3CallOptions,
  ) => PromiseLike<{ stream: ReadableStream<LanguageModelV3StreamPart> }>;
}

/** The AI SDK's unified finish reasons, in this package's vocabulary (the raw one wins when sent). */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'other',
  other: 'other',
};

/**
 * An AI SDK error (`APICallError`: `statusCode`, `responseHeaders`, `isRetryable`) as a
 * {@link ProviderError}, so retries, failover and Retry-After work as for the official SDKs.
 */
export function fromAiSdkError(error: unknown, provider: string): ProviderError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    statusCode?: unknown;
    responseHeaders?: unknown;
    isRetryable?: unknown;
    message?: unknown;
  };
  if (typeof fields.statusCode !== 'number') return toProviderError(error, { provider });
  const shaped = Object.assign(new Error(String(fields.message ?? 'AI SDK call failed')), {
    status: fields.statusCode,
    headers: fields.responseHeaders,
  });
  const described = toProviderError(shaped, { provider });
  return new ProviderError({
    code: described.code,
    message: described.message,
    retryable: typeof fields.isRetryable === 'boolean' ? fields.isRetryable : described.retryable,
    status: described.status,
    retryAfterMs: described.retryAfterMs,
    provider,
    providerCode: described.providerCode,
    cause: error,
  });
}

/** The Anthropic signature the AI SDK carries in a reasoning part's provider metadata. */
function signatureOf(metadata: unknown): string | undefined {
  const anthropic = (metadata as { anthropic?: { signature?: unknown } } | undefined)?.anthropic;
  return typeof anthropic?.signature === 'string' ? anthropic.signature : undefined;
}

/**
 * Events of one AI SDK stream: text and reasoning deltas, tool inputs (`tool-input-*`, then the
 * `tool-call`; a call without input deltas arrives whole), the finish's usage (reasoning tokens
 * included) and its raw finish reason; an `error` part fails the attempt.
 */
function partTranslator(provider: string): ChunkTranslator<LanguageModelV3StreamPart> {
  const usage = new UsageReporter();
  const calls = new Map<string, number>();
  let callCount = 0;
  let finishReason: string | undefined;
  const startCall = (id: string, name: string, out: ProviderEvent[]): number => {
    const index = callCount++;
    calls.set(id, index);
    out.push({ type: 'tool-call-start', index, id, name });
    return index;
  };
  return {
    read(part, out) {
      switch (part.type) {
        case 'text-delta':
          if (part.delta !== '') out.push({ type: 'text', text: part.delta });
          return undefined;
        case 'reasoning-delta':
          if (part.delta !== '') out.push({ type: 'reasoning', text: part.delta });
          return undefined;
        case 'reasoning-end': {
          const signature = signatureOf(part.providerMetadata);
          out.push(
            signature === undefined
              ? { type: 'reasoning-end' }
              : { type: 'reasoning-end', signature },
          );
          return undefined;
        }
        case 'tool-input-start':
          if (!part.providerExecuted) startCall(part.id, part.toolName, out);
          return undefined;
        case 'tool-input-delta': {
          const index = calls.get(part.id);
          if (index !== undefined && part.delta !== '') {
            out.push({ type: 'tool-call-delta', index, argumentsDelta: part.delta });
          }
          return undefined;
        }
        case 'tool-call': {
          if (part.providerExecuted) return undefined;
          let index = calls.get(part.toolCallId);
          if (index === undefined) {
            index = startCall(part.toolCallId, part.toolName, out);
            if (part.input !== '')
              out.push({ type: 'tool-call-delta', index, argumentsDelta: part.input });
          }
          out.push({ type: 'tool-call-end', index });
          return undefined;
        }
        case 'finish':
          usage.report(
            part.usage.inputTokens.total,
            part.usage.outputTokens.total,
            out,
            part.usage.outputTokens.reasoning,
          );
          finishReason =
            part.finishReason.raw ?? FINISH_REASONS[part.finishReason.unified] ?? 'other';
          return undefined;
        case 'error':
          return fromAiSdkError(part.error, provider);
        default:
          return undefined;
      }
    },
    end(out) {
      if (finishReason === undefined) return incompleteStream(provider, 'a finish part');
      out.push({ type: 'finish', reason: finishReason });
      return undefined;
    },
  };
}

/**
 * A stream source over an AI SDK language model (`LanguageModelV3`, what `ai@6` providers such
 * as `@ai-sdk/openai` return): each attempt calls `model.doStream({ ...callOptions, abortSignal })`
 * and maps its parts to typed events. Failures of `doStream` (an `APICallError`) and `error` parts
 * become {@link ProviderError}s.
 *
 * @example
 * const source = aiSdkSource(openai('gpt-4o-mini'), {
 *   prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
 * });
 */
export function aiSdkSource(
  model: Pick<LanguageModelV3, 'provider' | 'modelId' | 'doStream'>,
  callOptions: LanguageModelV3CallOptions,
  options: AiSdkSourceOptions = {},
): ProviderStreamSource {
  if (typeof model?.doStream !== 'function') {
    throw new TypeError('aiSdkSource: model.doStream must be a function');
  }
  checkAdapterOptions('aiSdkSource', options);
  const provider = options.provider ?? model.provider;
  const doStream = options.doStream ?? ((call) => model.doStream(call));
  return createProviderSource<LanguageModelV3StreamPart>({
    provider,
    model: model.modelId,
    maxTokens: options.maxTokens ?? callOptions.maxOutputTokens,
    promptTokens:
      options.promptTokens ??
      estimatePromptTokens({ messages: callOptions.prompt }, callOptions.prompt),
    start: async (signal) => {
      const abortSignal = callOptions.abortSignal
        ? AbortSignal.any([callOptions.abortSignal, signal])
        : signal;
      let result: { stream: ReadableStream<LanguageModelV3StreamPart> };
      try {
        result = await doStream({ ...callOptions, abortSignal });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw fromAiSdkError(error, provider);
      }
      // Node's ReadableStream is async iterable; its return() cancels the stream.
      return result.stream as unknown as AsyncIterable<LanguageModelV3StreamPart>;
    },
    translator: () => partTranslator(provider),
  });
}
