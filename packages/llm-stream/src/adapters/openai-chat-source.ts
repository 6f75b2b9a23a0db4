import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';
import { type AdapterOptions, checkAdapterRequest } from './adapter-options.js';
import {
  type ChunkTranslator,
  countPromptChars,
  createProviderSource,
  incompleteStream,
  positiveInteger,
  UsageReporter,
  withSignal,
} from './create-provider-source.js';

/** The fields of a `chat.completion.chunk` the adapter reads. */
export interface OpenAIChatChunk {
  readonly choices?: ReadonlyArray<{
    readonly index?: number;
    readonly delta?: {
      readonly content?: string | null;
      readonly refusal?: string | null;
    } | null;
    readonly finish_reason?: string | null;
  }> | null;
  readonly usage?: {
    readonly prompt_tokens?: number;
    readonly completion_tokens?: number;
  } | null;
}

/** The request body shape the adapter relies on; the SDK's own params type is used for yours. */
export interface OpenAIChatRequest {
  readonly model: string;
  readonly messages: readonly unknown[];
  readonly stream?: boolean | null;
  readonly stream_options?: { readonly include_usage?: boolean | null } | null;
  readonly max_tokens?: number | null;
  readonly max_completion_tokens?: number | null;
}

/** Per-request options of the OpenAI SDK (`timeout`, `headers`, `maxRetries`, ...); `signal` is merged with the stream's. */
export interface OpenAIRequestOptions {
  readonly signal?: AbortSignal | null;
  readonly [option: string]: unknown;
}

/**
 * Any client with `chat.completions.create`, typed by the few members the adapter uses:
 * `new OpenAI()`, `new AzureOpenAI()`, or any OpenAI-compatible SDK client.
 */
export interface OpenAIChatClient {
  readonly chat: {
    readonly completions: {
      create(
        body: OpenAIChatRequest,
        options?: OpenAIRequestOptions,
      ): PromiseLike<AsyncIterable<OpenAIChatChunk>>;
    };
  };
}

type RequestOf<Method> = Method extends (body: infer Body, ...rest: never[]) => unknown
  ? Body
  : never;

/** The request params of `client.chat.completions.create`, without `stream` (the adapter sets it). */
export type OpenAIChatParams<Client extends OpenAIChatClient> = Omit<
  RequestOf<Client['chat']['completions']['create']>,
  'stream'
>;

/** Options of {@link openaiChatSource}. */
export interface OpenAIChatSourceOptions extends AdapterOptions {
  /** Passed to `create` as its second argument, with the stream's `signal` merged in. */
  readonly requestOptions?: OpenAIRequestOptions;
}

/** Events of one Chat Completions stream: text from choice 0, the final usage chunk, the finish reason. */
function chatTranslator(provider: string): ChunkTranslator<OpenAIChatChunk> {
  const usage = new UsageReporter();
  let finishReason: string | undefined;
  return {
    read(chunk, out: ProviderEvent[]) {
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = choice.delta;
        if (delta?.content) out.push({ type: 'text', text: delta.content });
        if (delta?.refusal) out.push({ type: 'text', text: delta.refusal });
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      // With include_usage, the last chunk has `choices: []` and the totals for the request.
      if (chunk.usage) {
        usage.report(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, out);
      }
      return undefined;
    },
    end(out) {
      if (finishReason === undefined) return incompleteStream(provider, 'a finish_reason');
      out.push({ type: 'finish', reason: finishReason });
      return undefined;
    },
  };
}

/**
 * A stream source over OpenAI Chat Completions with your existing client:
 * `client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal })`.
 * Usage comes from the final usage chunk; the finish reason is the raw `finish_reason`
 * (`stop`, `length`, `tool_calls`, `content_filter`); only choice 0 is streamed.
 * HTTP errors reject `open()`, errors in the stream are thrown by the iterator, both as
 * {@link ProviderError}.
 *
 * @example
 * const source = openaiChatSource(new OpenAI(), {
 *   model: 'gpt-4o-mini',
 *   messages: [{ role: 'user', content: 'Hello' }],
 *   max_completion_tokens: 256,
 * });
 */
export function openaiChatSource<Client extends OpenAIChatClient>(
  client: Client,
  params: OpenAIChatParams<Client>,
  options: OpenAIChatSourceOptions = {},
): ProviderStreamSource {
  if (typeof client?.chat?.completions?.create !== 'function') {
    throw new TypeError('openaiChatSource: client.chat.completions.create must be a function');
  }
  const request = params as unknown as OpenAIChatRequest;
  const model = checkAdapterRequest('openaiChatSource', request, options);
  const provider = options.provider ?? 'openai';
  return createProviderSource<OpenAIChatChunk>({
    provider,
    model,
    maxTokens:
      options.maxTokens ??
      positiveInteger(request.max_completion_tokens) ??
      positiveInteger(request.max_tokens),
    promptChars: options.promptChars ?? countPromptChars(request.messages),
    start: (signal) =>
      client.chat.completions.create(
        {
          ...request,
          stream: true,
          // Without it OpenAI sends no usage at all in a stream.
          stream_options: { ...request.stream_options, include_usage: true },
        },
        { ...options.requestOptions, signal: withSignal(options.requestOptions?.signal, signal) },
      ),
    translator: () => chatTranslator(provider),
  });
}
