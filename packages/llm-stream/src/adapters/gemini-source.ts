import type { ProviderStreamSource } from '../provider-event.js';
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
import { ProviderError } from './provider-error.js';

/** The fields of a `GenerateContentResponse` the adapter reads. */
export interface GeminiChunk {
  readonly candidates?: ReadonlyArray<{
    readonly content?: {
      readonly parts?: ReadonlyArray<{
        readonly text?: string;
        readonly thought?: boolean;
        readonly thoughtSignature?: string;
        readonly functionCall?: {
          readonly id?: string;
          readonly name?: string;
          readonly args?: Record<string, unknown>;
        };
      }>;
    };
    readonly finishReason?: string;
  }>;
  readonly usageMetadata?: {
    readonly promptTokenCount?: number;
    readonly candidatesTokenCount?: number;
    readonly thoughtsTokenCount?: number;
    readonly toolUsePromptTokenCount?: number;
  };
  readonly promptFeedback?: { readonly blockReason?: string; readonly blockReasonMessage?: string };
}

/** The request shape the adapter relies on; the SDK's own params type is used for yours. */
export interface GeminiRequest {
  readonly model: string;
  readonly contents: unknown;
  readonly config?: {
    readonly abortSignal?: AbortSignal;
    readonly maxOutputTokens?: number;
    readonly systemInstruction?: unknown;
  };
}

/** Any client with `models.generateContentStream`, typed by the few members the adapter uses (`new GoogleGenAI()`). */
export interface GeminiClient {
  readonly models: {
    generateContentStream(params: GeminiRequest): PromiseLike<AsyncIterable<GeminiChunk>>;
  };
}

/** The params of `client.models.generateContentStream`. */
export type GeminiParams<Client extends GeminiClient> = Parameters<
  Client['models']['generateContentStream']
>[0];

/** Options of {@link geminiSource}. */
export type GeminiSourceOptions = AdapterOptions;

/**
 * Events of one Gemini stream, from candidate 0: text parts, thought parts as reasoning (a
 * `thoughtSignature` ends the reasoning block), `functionCall` parts as whole tool calls (with
 * their `thoughtSignature`; Gemini ids them only sometimes, so a missing id becomes `call_<n>`),
 * the cumulative `usageMetadata` of every chunk, and the last `finishReason`.
 */
function geminiTranslator(provider: string): ChunkTranslator<GeminiChunk> {
  const usage = new UsageReporter();
  let finishReason: string | undefined;
  let calls = 0;
  return {
    read(chunk, out) {
      const candidate = chunk.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        const call = part.functionCall;
        if (call !== undefined) {
          const index = calls++;
          out.push(
            {
              type: 'tool-call-start',
              index,
              id: call.id || `call_${index}`,
              name: call.name ?? '',
            },
            { type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(call.args ?? {}) },
            part.thoughtSignature === undefined
              ? { type: 'tool-call-end', index }
              : { type: 'tool-call-end', index, signature: part.thoughtSignature },
          );
          continue;
        }
        if (part.thought === true) {
          if (part.text) out.push({ type: 'reasoning', text: part.text });
          if (part.thoughtSignature !== undefined) {
            out.push({ type: 'reasoning-end', signature: part.thoughtSignature });
          }
          continue;
        }
        // A signature on an answer part belongs to the thinking before it.
        if (part.thoughtSignature !== undefined) {
          out.push({ type: 'reasoning-end', signature: part.thoughtSignature });
        }
        if (part.text) out.push({ type: 'text', text: part.text });
      }
      if (candidate?.finishReason) finishReason = candidate.finishReason;
      const metadata = chunk.usageMetadata;
      if (metadata) {
        const output =
          metadata.candidatesTokenCount === undefined && metadata.thoughtsTokenCount === undefined
            ? undefined
            : (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0);
        const input =
          metadata.promptTokenCount === undefined
            ? undefined
            : metadata.promptTokenCount + (metadata.toolUsePromptTokenCount ?? 0);
        usage.report(input, output, out, metadata.thoughtsTokenCount);
      }
      const blockReason = chunk.promptFeedback?.blockReason;
      // A blocked prompt is an HTTP 200 with no candidates: nothing will be generated.
      if (blockReason && !chunk.candidates?.length) {
        return new ProviderError({
          code: 'content_filter',
          message: `${provider} blocked the prompt (${blockReason})${
            chunk.promptFeedback?.blockReasonMessage
              ? `: ${chunk.promptFeedback.blockReasonMessage}`
              : ''
          }`,
          provider,
          providerCode: blockReason,
        });
      }
      return undefined;
    },
    end(out) {
      if (finishReason === undefined) return incompleteStream(provider, 'a finishReason');
      out.push({ type: 'finish', reason: finishReason });
      return undefined;
    },
  };
}

/**
 * A stream source over Google Gemini with your existing `@google/genai` client:
 * `client.models.generateContentStream({ ...params, config: { ...params.config, abortSignal } })`.
 * Thought parts become reasoning (with their `thoughtSignature`), `functionCall` parts tool calls.
 * Usage comes from the cumulative `usageMetadata` (output counts thoughts too); the finish
 * reason is the raw `finishReason` (`STOP`, `MAX_TOKENS`, `SAFETY`, ...). HTTP errors reject
 * `open()`; error chunks in the stream and blocked prompts are thrown by the iterator, as
 * {@link ProviderError}. Aborting closes the connection, though Google documents that the
 * request is still billed.
 *
 * @example
 * const source = geminiSource(new GoogleGenAI({ apiKey }), {
 *   model: 'gemini-2.5-flash',
 *   contents: 'Hello',
 *   config: { maxOutputTokens: 256 },
 * });
 */
export function geminiSource<Client extends GeminiClient>(
  client: Client,
  params: GeminiParams<Client>,
  options: GeminiSourceOptions = {},
): ProviderStreamSource {
  if (typeof client?.models?.generateContentStream !== 'function') {
    throw new TypeError('geminiSource: client.models.generateContentStream must be a function');
  }
  const request = params as unknown as GeminiRequest;
  const model = checkAdapterRequest('geminiSource', request, options);
  const provider = options.provider ?? 'gemini';
  return createProviderSource<GeminiChunk>({
    provider,
    model,
    maxTokens: options.maxTokens ?? positiveInteger(request.config?.maxOutputTokens),
    promptTokens:
      options.promptTokens ??
      estimatePromptTokens(
        { contents: request.contents, system: request.config?.systemInstruction },
        request.contents,
      ),
    start: (signal) =>
      client.models.generateContentStream({
        ...request,
        config: { ...request.config, abortSignal: withSignal(request.config?.abortSignal, signal) },
      }),
    translator: () => geminiTranslator(provider),
  });
}
