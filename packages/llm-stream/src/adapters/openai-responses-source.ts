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
import type { OpenAIRequestOptions } from './openai-chat-source.js';
import { codeForProviderCode, ProviderError } from './provider-error.js';

/** A Responses API stream event; the adapter reads `type` and, by type, a few more fields. */
export interface OpenAIResponsesEvent {
  readonly type: string;
}

/** The request body shape the adapter relies on; the SDK's own params type is used for yours. */
export interface OpenAIResponsesRequest {
  readonly model?: string;
  readonly input?: unknown;
  readonly instructions?: unknown;
  readonly stream?: boolean | null;
  readonly max_output_tokens?: number | null;
}

/** Any client with `responses.create`, typed by the few members the adapter uses (`new OpenAI()`). */
export interface OpenAIResponsesClient {
  readonly responses: {
    create(
      body: OpenAIResponsesRequest,
      options?: OpenAIRequestOptions,
    ): PromiseLike<AsyncIterable<OpenAIResponsesEvent>>;
  };
}

type RequestOf<Method> = Method extends (body: infer Body, ...rest: never[]) => unknown
  ? Body
  : never;

/** The request params of `client.responses.create`, without `stream` (the adapter sets it). */
export type OpenAIResponsesParams<Client extends OpenAIResponsesClient> = Omit<
  RequestOf<Client['responses']['create']>,
  'stream'
>;

/** Options of {@link openaiResponsesSource}. */
export interface OpenAIResponsesSourceOptions extends AdapterOptions {
  /** Passed to `create` as its second argument, with the stream's `signal` merged in. */
  readonly requestOptions?: OpenAIRequestOptions;
}

interface ResponseLike {
  readonly usage?: { readonly input_tokens?: number; readonly output_tokens?: number } | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
  readonly incomplete_details?: { readonly reason?: string | null } | null;
}

interface EventFields {
  readonly type: string;
  readonly delta?: unknown;
  readonly response?: ResponseLike;
  readonly code?: unknown;
  readonly message?: unknown;
}

function failure(
  provider: string,
  providerCode: string | null | undefined,
  message: string | null | undefined,
): ProviderError {
  return new ProviderError({
    code: codeForProviderCode(providerCode) ?? 'unknown',
    message: message || `${provider} response failed`,
    provider,
    providerCode: providerCode ?? undefined,
  });
}

/** Events of one Responses stream: output text deltas, then usage and the status at the end. */
function responsesTranslator(provider: string): ChunkTranslator<OpenAIResponsesEvent> {
  const usage = new UsageReporter();
  let finishReason: string | undefined;
  const reportUsage = (response: ResponseLike | undefined, out: ProviderEvent[]) => {
    if (response?.usage) {
      usage.report(response.usage.input_tokens, response.usage.output_tokens, out);
    }
  };
  return {
    read(chunk, out) {
      const event = chunk as EventFields;
      switch (event.type) {
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          if (typeof event.delta === 'string' && event.delta !== '') {
            out.push({ type: 'text', text: event.delta });
          }
          return undefined;
        case 'response.completed':
          reportUsage(event.response, out);
          finishReason = 'completed';
          return undefined;
        case 'response.incomplete':
          reportUsage(event.response, out);
          finishReason = event.response?.incomplete_details?.reason ?? 'incomplete';
          return undefined;
        case 'response.failed':
          reportUsage(event.response, out);
          return failure(provider, event.response?.error?.code, event.response?.error?.message);
        case 'error':
          // The SDK throws these itself; this covers clients that pass them through.
          return failure(
            provider,
            typeof event.code === 'string' ? event.code : undefined,
            typeof event.message === 'string' ? event.message : undefined,
          );
        default:
          return undefined;
      }
    },
    end(out) {
      if (finishReason === undefined) return incompleteStream(provider, 'response.completed');
      out.push({ type: 'finish', reason: finishReason });
      return undefined;
    },
  };
}

/**
 * A stream source over the OpenAI Responses API with your existing client:
 * `client.responses.create({ ...params, stream: true }, { signal })`. Text comes from
 * `response.output_text.delta`, usage from `response.completed` (or `response.incomplete`);
 * the finish reason is `completed`, or the `incomplete_details.reason` (`max_output_tokens`,
 * `content_filter`). `response.failed` and `error` events are thrown as {@link ProviderError}.
 *
 * @example
 * const source = openaiResponsesSource(new OpenAI(), { model: 'gpt-4.1', input: 'Hello' });
 */
export function openaiResponsesSource<Client extends OpenAIResponsesClient>(
  client: Client,
  params: OpenAIResponsesParams<Client>,
  options: OpenAIResponsesSourceOptions = {},
): ProviderStreamSource {
  if (typeof client?.responses?.create !== 'function') {
    throw new TypeError('openaiResponsesSource: client.responses.create must be a function');
  }
  const request = params as unknown as OpenAIResponsesRequest;
  const model = checkAdapterRequest('openaiResponsesSource', request, options);
  const provider = options.provider ?? 'openai';
  return createProviderSource<OpenAIResponsesEvent>({
    provider,
    model,
    maxTokens: options.maxTokens ?? positiveInteger(request.max_output_tokens),
    promptChars:
      options.promptChars ??
      countPromptChars({ input: request.input, instructions: request.instructions }),
    start: (signal) =>
      client.responses.create(
        { ...request, stream: true },
        { ...options.requestOptions, signal: withSignal(options.requestOptions?.signal, signal) },
      ),
    translator: () => responsesTranslator(provider),
  });
}
