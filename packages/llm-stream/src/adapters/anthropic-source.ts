import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { type AdapterOptions, checkAdapterRequest } from './adapter-options.js';
import {
  type ChunkTranslator,
  createProviderSource,
  estimatePromptTokens,
  incompleteStream,
  positiveInteger,
  UsageReporter,
  withSignal,
} from './create-provider-source.js';
import { codeForProviderCode, ProviderError } from './provider-error.js';

/** A Messages stream event; the adapter reads `type` and, by type, a few more fields. */
export interface AnthropicStreamEvent {
  readonly type: string;
}

/** The request body shape the adapter relies on; the SDK's own params type is used for yours. */
export interface AnthropicRequest {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly unknown[];
  readonly system?: unknown;
  readonly stream?: boolean | null;
}

/** Per-request options of the Anthropic SDK (`timeout`, `headers`, `maxRetries`, ...); `signal` is merged with the stream's. */
export interface AnthropicRequestOptions {
  readonly signal?: AbortSignal | null;
  readonly [option: string]: unknown;
}

/**
 * Any client with `messages.create`, typed by the few members the adapter uses:
 * `new Anthropic()`, `new AnthropicBedrock()`, `new AnthropicVertex()`.
 */
export interface AnthropicClient {
  readonly messages: {
    create(
      body: AnthropicRequest,
      options?: AnthropicRequestOptions,
    ): PromiseLike<AsyncIterable<AnthropicStreamEvent>>;
  };
}

/** The request params of `client.messages.create`, without `stream` (the adapter sets it). */
export type AnthropicParams<Client extends AnthropicClient> = Omit<
  Parameters<Client['messages']['create']>[0],
  'stream'
>;

/** Options of {@link anthropicSource}. */
export interface AnthropicSourceOptions extends AdapterOptions {
  /** Passed to `create` as its second argument, with the stream's `signal` merged in. */
  readonly requestOptions?: AnthropicRequestOptions;
}

interface UsageFields {
  readonly input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly output_tokens_details?: { readonly thinking_tokens?: number | null } | null;
}

interface EventFields {
  readonly type: string;
  readonly index?: number;
  readonly message?: { readonly usage?: UsageFields | null };
  readonly content_block?: {
    readonly type?: string;
    readonly id?: string;
    readonly name?: string;
    readonly data?: string;
  };
  readonly delta?: {
    readonly type?: string;
    readonly text?: unknown;
    readonly thinking?: unknown;
    readonly signature?: unknown;
    readonly partial_json?: unknown;
    readonly stop_reason?: string | null;
  };
  readonly usage?: UsageFields | null;
  readonly error?: { readonly type?: string; readonly message?: string };
}

/**
 * Events of one Messages stream, by content block: `text` blocks' `text_delta`s, `thinking`
 * blocks' `thinking_delta`s ended with their `signature_delta`, `redacted_thinking` blocks whole,
 * `tool_use` blocks as a call (its `input_json_delta` fragments are the arguments); usage from
 * `message_start` and every `message_delta` (cumulative), the `stop_reason`. `ping`, citations
 * and server tools are skipped.
 */
function messagesTranslator(provider: string): ChunkTranslator<AnthropicStreamEvent> {
  const usage = new UsageReporter();
  // Anthropic splits the prompt into uncached, cache-write and cache-read tokens; the input is their sum.
  let uncached: number | undefined;
  let cacheWrite = 0;
  let cacheRead = 0;
  let stopReason: string | undefined;
  let stopped = false;
  // What each open content block is, by its index: a thinking block (with its signature so far) or a call.
  const thinking = new Map<number, string | undefined>();
  const calls = new Map<number, number>();
  let callCount = 0;
  const readUsage = (fields: UsageFields | null | undefined, out: ProviderEvent[]) => {
    if (!fields) return;
    if (typeof fields.input_tokens === 'number') uncached = fields.input_tokens;
    if (typeof fields.cache_creation_input_tokens === 'number') {
      cacheWrite = fields.cache_creation_input_tokens;
    }
    if (typeof fields.cache_read_input_tokens === 'number') {
      cacheRead = fields.cache_read_input_tokens;
    }
    usage.report(
      uncached === undefined ? undefined : uncached + cacheWrite + cacheRead,
      typeof fields.output_tokens === 'number' ? fields.output_tokens : undefined,
      out,
      fields.output_tokens_details?.thinking_tokens,
    );
  };
  return {
    read(chunk, out) {
      const event = chunk as EventFields;
      switch (event.type) {
        case 'message_start':
          readUsage(event.message?.usage, out);
          return undefined;
        case 'content_block_start': {
          const block = event.content_block;
          const index = event.index ?? 0;
          if (block?.type === 'thinking') thinking.set(index, undefined);
          else if (block?.type === 'redacted_thinking' && typeof block.data === 'string') {
            out.push({ type: 'redacted-reasoning', data: block.data });
          } else if (block?.type === 'tool_use') {
            const call = callCount++;
            calls.set(index, call);
            out.push({
              type: 'tool-call-start',
              index: call,
              id: block.id ?? `toolu_${call}`,
              name: block.name ?? '',
            });
          }
          return undefined;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          const index = event.index ?? 0;
          if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
            if (delta.text !== '') out.push({ type: 'text', text: delta.text });
          } else if (delta?.type === 'thinking_delta' && typeof delta.thinking === 'string') {
            if (delta.thinking !== '') out.push({ type: 'reasoning', text: delta.thinking });
          } else if (delta?.type === 'signature_delta' && typeof delta.signature === 'string') {
            thinking.set(index, (thinking.get(index) ?? '') + delta.signature);
          } else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
            const call = calls.get(index);
            if (call !== undefined && delta.partial_json !== '') {
              out.push({
                type: 'tool-call-delta',
                index: call,
                argumentsDelta: delta.partial_json,
              });
            }
          }
          return undefined;
        }
        case 'content_block_stop': {
          const index = event.index ?? 0;
          if (thinking.has(index)) {
            const signature = thinking.get(index);
            thinking.delete(index);
            out.push(
              signature === undefined
                ? { type: 'reasoning-end' }
                : { type: 'reasoning-end', signature },
            );
          }
          const call = calls.get(index);
          if (call !== undefined) {
            calls.delete(index);
            out.push({ type: 'tool-call-end', index: call });
          }
          return undefined;
        }
        case 'message_delta':
          if (event.delta?.stop_reason) stopReason = event.delta.stop_reason;
          readUsage(event.usage, out);
          return undefined;
        case 'message_stop':
          stopped = true;
          return undefined;
        case 'error':
          // The SDK throws these itself; this covers clients that pass them through.
          return new ProviderError({
            code: codeForProviderCode(event.error?.type) ?? 'unknown',
            message: event.error?.message || `${provider} stream error`,
            provider,
            providerCode: event.error?.type,
          });
        default:
          return undefined;
      }
    },
    end(out) {
      if (!stopped) return incompleteStream(provider, 'message_stop');
      out.push({ type: 'finish', reason: stopReason ?? 'end_turn' });
      return undefined;
    },
  };
}

/**
 * A stream source over Anthropic Messages with your existing client:
 * `client.messages.create({ ...params, stream: true }, { signal })`. Text comes from
 * `text_delta`s, reasoning from `thinking` blocks (with their signature) and `redacted_thinking`,
 * tool calls from `tool_use` blocks (`input_json_delta` fragments); usage from `message_start` and each `message_delta` (cumulative output;
 * input is `input_tokens` + cache writes + cache reads); the finish reason is the raw
 * `stop_reason` (`end_turn`, `max_tokens`, `tool_use`, ...). HTTP errors (429, 529
 * overloaded, ...) reject `open()`; `error` events in the stream are thrown by the iterator,
 * both as {@link ProviderError}.
 *
 * @example
 * const source = anthropicSource(new Anthropic(), {
 *   model: 'claude-sonnet-5',
 *   max_tokens: 512,
 *   messages: [{ role: 'user', content: 'Hello' }],
 * });
 */
export function anthropicSource<Client extends AnthropicClient>(
  client: Client,
  params: AnthropicParams<Client>,
  options: AnthropicSourceOptions = {},
): ProviderStreamSource {
  if (typeof client?.messages?.create !== 'function') {
    throw new TypeError('anthropicSource: client.messages.create must be a function');
  }
  const request = params as unknown as AnthropicRequest;
  const model = checkAdapterRequest('anthropicSource', request, options);
  const provider = options.provider ?? 'anthropic';
  return createProviderSource<AnthropicStreamEvent>({
    provider,
    model,
    maxTokens: options.maxTokens ?? positiveInteger(request.max_tokens),
    promptTokens:
      options.promptTokens ??
      estimatePromptTokens(
        { system: request.system, messages: request.messages },
        request.messages,
      ),
    start: (signal) =>
      client.messages.create(
        { ...request, stream: true },
        { ...options.requestOptions, signal: withSignal(options.requestOptions?.signal, signal) },
      ),
    translator: () => messagesTranslator(provider),
  });
}
