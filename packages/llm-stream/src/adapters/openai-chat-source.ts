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

/** The fields of a `chat.completion.chunk` the adapter reads. */
export interface OpenAIChatChunk {
  readonly choices?: ReadonlyArray<{
    readonly index?: number;
    readonly delta?: {
      readonly content?: string | null;
      readonly refusal?: string | null;
      /** Reasoning text from OpenAI-compatible servers (DeepSeek, vLLM, LiteLLM). */
      readonly reasoning_content?: string | null;
      /** Reasoning text from vLLM ≥ 0.11 and OpenRouter. */
      readonly reasoning?: string | null;
      readonly tool_calls?: ReadonlyArray<{
        readonly index?: number;
        readonly id?: string | null;
        readonly function?: { readonly name?: string | null; readonly arguments?: string | null };
      }> | null;
    } | null;
    readonly finish_reason?: string | null;
  }> | null;
  readonly usage?: {
    readonly prompt_tokens?: number;
    readonly completion_tokens?: number;
    readonly completion_tokens_details?: { readonly reasoning_tokens?: number } | null;
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

/** The request params of `client.chat.completions.create`, without `stream` (the adapter sets it). */
export type OpenAIChatParams<Client extends OpenAIChatClient> = Omit<
  Parameters<Client['chat']['completions']['create']>[0],
  'stream'
>;

/** Options of {@link openaiChatSource}. */
export interface OpenAIChatSourceOptions extends AdapterOptions {
  /** Passed to `create` as its second argument, with the stream's `signal` merged in. */
  readonly requestOptions?: OpenAIRequestOptions;
}

/**
 * Events of one Chat Completions stream, from choice 0: text, refusals, reasoning
 * (`reasoning_content` or `reasoning`, as compatible servers send it), tool calls keyed by their
 * `index` (the first fragment of a call carries its id and name; parallel calls have their own
 * index), the final usage chunk, and the finish reason (which also ends the open calls).
 */
function chatTranslator(provider: string): ChunkTranslator<OpenAIChatChunk> {
  const usage = new UsageReporter();
  let finishReason: string | undefined;
  const openCalls: number[] = [];
  const started = new Set<number>();
  return {
    read(chunk, out: ProviderEvent[]) {
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = choice.delta;
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (reasoning) out.push({ type: 'reasoning', text: reasoning });
        if (delta?.content) out.push({ type: 'text', text: delta.content });
        if (delta?.refusal) out.push({ type: 'refusal', text: delta.refusal });
        for (const call of delta?.tool_calls ?? []) {
          const index = call.index ?? 0;
          if (!started.has(index)) {
            started.add(index);
            openCalls.push(index);
            out.push({
              type: 'tool-call-start',
              index,
              id: call.id || `call_${index}`,
              name: call.function?.name ?? '',
            });
          }
          const fragment = call.function?.arguments;
          if (fragment) out.push({ type: 'tool-call-delta', index, argumentsDelta: fragment });
        }
        if (choice.finish_reason) {
          finishReason = choice.finish_reason;
          for (const index of openCalls.splice(0)) out.push({ type: 'tool-call-end', index });
        }
      }
      // With include_usage, the last chunk has `choices: []` and the totals for the request.
      if (chunk.usage) {
        usage.report(
          chunk.usage.prompt_tokens,
          chunk.usage.completion_tokens,
          out,
          chunk.usage.completion_tokens_details?.reasoning_tokens,
        );
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
 * Text, refusals, reasoning (`reasoning_content` from compatible servers) and tool calls (by
 * `index`, so parallel calls stay apart) become typed parts; usage comes from the final usage
 * chunk (reasoning tokens from `completion_tokens_details`); the finish reason is the raw
 * `finish_reason`; only choice 0 is streamed.
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
    promptTokens:
      options.promptTokens ??
      estimatePromptTokens({ messages: request.messages }, request.messages),
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
