import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { createManagedStream, type ManagedStream } from '../managed-stream.js';
import type { StreamEvent } from '../stream-event.js';
import type { StreamGuard } from '../stream-guard.js';
import type { StreamManager } from '../stream-manager.js';
import type { StreamDefaults, StreamOptions, StreamSourceEntry } from '../stream-options.js';
import { aiSdkSource } from './ai-sdk-source.js';
import { AiSdkPartWriter, toAiSdkFinishReason, toAiSdkUsage } from './to-ai-sdk-parts.js';

/** A model to fail over to, with the guard (circuit breaker) that must grant it a permit. */
export interface AiSdkFallback {
  readonly model: LanguageModelV3;
  readonly guard?: StreamGuard;
}

/** Options of {@link breakwaterMiddleware}; the stream options apply to every call. */
export interface BreakwaterMiddlewareOptions extends StreamDefaults {
  /**
   * Runs each call as a stream of this manager, so its events (`attempt_failed`, `retry`,
   * `failover`, `complete`...) reach `instrumentStreams` and the registry lists the call.
   * @default none: each call is a managed stream outside any registry
   */
  readonly manager?: StreamManager;
  /** The guard (circuit breaker) of the wrapped model. @default none */
  readonly guard?: StreamGuard;
  /** Models tried in order after the wrapped one, before the first token. @default [] */
  readonly fallbacks?: ReadonlyArray<LanguageModelV3 | AiSdkFallback>;
  /** Labels on every call's stream (shown by the registry and `info()`). @default {} */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

function entryOf(
  model: LanguageModelV3,
  guard: StreamGuard | undefined,
  params: LanguageModelV3CallOptions,
): StreamSourceEntry {
  const source = aiSdkSource(model, params);
  return guard === undefined ? { source } : { source, guard };
}

/**
 * Reads a stream up to its first event after `start`: an `error` (every attempt failed before
 * any output) is thrown, so the AI SDK sees the call fail as it would without the middleware.
 */
async function firstEvent(iterator: AsyncIterator<StreamEvent>): Promise<StreamEvent | undefined> {
  for (;;) {
    const result = await iterator.next();
    if (result.done) return undefined;
    const event = result.value;
    if (event.type === 'start') continue;
    if (event.type === 'error') throw event.error;
    if (event.type === 'cancelled') {
      throw new DOMException(`The stream was cancelled: ${event.reason}`, 'AbortError');
    }
    return event;
  }
}

/**
 * A language-model middleware for the AI SDK's `wrapLanguageModel` (`ai@6`, spec v3) that runs
 * every call of the wrapped model as a Breakwater managed stream: the model's guard (a circuit
 * breaker) grants a permit per attempt, retries and failover to `fallbacks` happen before the
 * first token, the first-token, idle and total time limits apply, and the stream's events reach
 * `manager`. A call that fails before any output rejects with the `StreamError`; a failure
 * after output ends the AI SDK stream with an `error` part. Generate calls run as streams too.
 * Buffering is off unless `buffer` says otherwise (the AI SDK has its own `smoothStream`).
 *
 * @example
 * const model = wrapLanguageModel({
 *   model: openai('gpt-4o-mini'),
 *   middleware: breakwaterMiddleware({ manager, guard: breaker, fallbacks: [anthropic('claude-haiku-4-5')] }),
 * });
 */
export function breakwaterMiddleware(
  options: BreakwaterMiddlewareOptions = {},
): LanguageModelV3Middleware {
  const { manager, guard, fallbacks = [], metadata, ...defaults } = options;
  const fallbackEntries = fallbacks.map((fallback) =>
    'model' in fallback && typeof (fallback as AiSdkFallback).model === 'object'
      ? (fallback as AiSdkFallback)
      : { model: fallback as LanguageModelV3 },
  );
  const open = (model: LanguageModelV3, params: LanguageModelV3CallOptions): ManagedStream => {
    const sources = [
      entryOf(model, guard, params),
      ...fallbackEntries.map((fallback) => entryOf(fallback.model, fallback.guard, params)),
    ];
    const streamOptions: StreamOptions = {
      buffer: false,
      ...defaults,
      ...(params.abortSignal === undefined ? {} : { signal: params.abortSignal }),
      ...(metadata === undefined ? {} : { metadata }),
    };
    return manager === undefined
      ? createManagedStream(sources, streamOptions)
      : manager.stream(sources, streamOptions);
  };

  return {
    specificationVersion: 'v3',

    async wrapStream({ model, params }): Promise<LanguageModelV3StreamResult> {
      const stream = open(model, params);
      const iterator = stream[Symbol.asyncIterator]();
      const first = await firstEvent(iterator);
      const writer = new AiSdkPartWriter();
      let pending: StreamEvent | undefined = first;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'response-metadata', modelId: stream.model });
          },
          async pull(controller) {
            for (;;) {
              let event = pending;
              pending = undefined;
              if (event === undefined) {
                const result = await iterator.next();
                if (result.done) {
                  controller.close();
                  return;
                }
                event = result.value;
              }
              const parts = writer.write(event);
              for (const part of parts) controller.enqueue(part);
              if (
                event.type === 'complete' ||
                event.type === 'error' ||
                event.type === 'cancelled'
              ) {
                controller.close();
                return;
              }
              if (parts.length > 0) return;
            }
          },
          cancel() {
            stream.cancel('consumer_stopped');
          },
        }),
      };
    },

    async wrapGenerate({ model, params }): Promise<LanguageModelV3GenerateResult> {
      const stream = open(model, params);
      const iterator = stream[Symbol.asyncIterator]();
      const content: LanguageModelV3Content[] = [];
      let text = '';
      let event = await firstEvent(iterator);
      const flushText = () => {
        if (text !== '') content.push({ type: 'text', text });
        text = '';
      };
      for (; event !== undefined; event = (await iterator.next()).value) {
        switch (event.type) {
          case 'chunk':
          case 'refusal':
            text += event.content;
            break;
          case 'reasoning_end':
            flushText();
            content.push({
              type: 'reasoning',
              text: event.content,
              ...(event.signature === null
                ? {}
                : { providerMetadata: { anthropic: { signature: event.signature } } }),
            });
            break;
          case 'tool_call':
            flushText();
            content.push({
              type: 'tool-call',
              toolCallId: event.toolCallId,
              toolName: event.toolName,
              input: event.arguments,
            });
            break;
          case 'error':
            throw event.error;
          case 'cancelled':
            throw new DOMException(`The stream was cancelled: ${event.reason}`, 'AbortError');
          case 'complete':
            flushText();
            return {
              content,
              finishReason: toAiSdkFinishReason(event),
              usage: toAiSdkUsage(event.usage),
              warnings: [],
              response: { modelId: event.model },
            };
          default:
            break;
        }
      }
      throw new TypeError('the stream ended without an end event');
    },
  };
}
