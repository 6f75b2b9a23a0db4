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

/** The request params of `client.responses.create`, without `stream` (the adapter sets it). */
export type OpenAIResponsesParams<Client extends OpenAIResponsesClient> = Omit<
  Parameters<Client['responses']['create']>[0],
  'stream'
>;

/** Options of {@link openaiResponsesSource}. */
export interface OpenAIResponsesSourceOptions extends AdapterOptions {
  /** Passed to `create` as its second argument, with the stream's `signal` merged in. */
  readonly requestOptions?: OpenAIRequestOptions;
}

interface ResponseLike {
  readonly usage?: {
    readonly input_tokens?: number;
    readonly output_tokens?: number;
    readonly output_tokens_details?: { readonly reasoning_tokens?: number } | null;
  } | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
  readonly incomplete_details?: { readonly reason?: string | null } | null;
}

interface ItemFields {
  readonly type?: string;
  readonly id?: string;
  readonly call_id?: string;
  readonly name?: string;
  readonly encrypted_content?: string | null;
}

interface EventFields {
  readonly type: string;
  readonly delta?: unknown;
  readonly item?: ItemFields;
  readonly item_id?: string;
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

/**
 * Events of one Responses stream: output text and refusal deltas, reasoning (summary or text)
 * deltas ended with the item (its `encrypted_content` as the signature, when requested), function
 * calls keyed by their item (the call's `call_id` is its id), then usage and the status at the end.
 */
function responsesTranslator(provider: string): ChunkTranslator<OpenAIResponsesEvent> {
  const usage = new UsageReporter();
  let finishReason: string | undefined;
  const calls = new Map<string, number>();
  let callCount = 0;
  const reportUsage = (response: ResponseLike | undefined, out: ProviderEvent[]) => {
    if (response?.usage) {
      usage.report(
        response.usage.input_tokens,
        response.usage.output_tokens,
        out,
        response.usage.output_tokens_details?.reasoning_tokens,
      );
    }
  };
  const text = (event: EventFields) =>
    typeof event.delta === 'string' && event.delta !== '' ? event.delta : undefined;
  return {
    read(chunk, out) {
      const event = chunk as EventFields;
      switch (event.type) {
        case 'response.output_text.delta': {
          const delta = text(event);
          if (delta !== undefined) out.push({ type: 'text', text: delta });
          return undefined;
        }
        case 'response.refusal.delta': {
          const delta = text(event);
          if (delta !== undefined) out.push({ type: 'refusal', text: delta });
          return undefined;
        }
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta': {
          const delta = text(event);
          if (delta !== undefined) out.push({ type: 'reasoning', text: delta });
          return undefined;
        }
        case 'response.output_item.added': {
          const item = event.item;
          if (item?.type === 'function_call' && item.id !== undefined) {
            const index = callCount++;
            calls.set(item.id, index);
            out.push({
              type: 'tool-call-start',
              index,
              id: item.call_id ?? item.id,
              name: item.name ?? '',
            });
          }
          return undefined;
        }
        case 'response.function_call_arguments.delta': {
          const index = event.item_id === undefined ? undefined : calls.get(event.item_id);
          const delta = text(event);
          if (index !== undefined && delta !== undefined) {
            out.push({ type: 'tool-call-delta', index, argumentsDelta: delta });
          }
          return undefined;
        }
        case 'response.output_item.done': {
          const item = event.item;
          if (item?.type === 'reasoning') {
            out.push(
              item.encrypted_content
                ? { type: 'reasoning-end', signature: item.encrypted_content }
                : { type: 'reasoning-end' },
            );
          } else if (item?.type === 'function_call' && item.id !== undefined) {
            const index = calls.get(item.id);
            if (index !== undefined) out.push({ type: 'tool-call-end', index });
          }
          return undefined;
        }
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
 * `response.output_text.delta`, refusals from `response.refusal.delta`, reasoning from the
 * reasoning summary (or text) deltas, tool calls from `function_call` items; usage from `response.completed` (or `response.incomplete`);
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
    promptTokens:
      options.promptTokens ??
      estimatePromptTokens(
        { input: request.input, instructions: request.instructions },
        request.input,
      ),
    start: (signal) =>
      client.responses.create(
        { ...request, stream: true },
        { ...options.requestOptions, signal: withSignal(options.requestOptions?.signal, signal) },
      ),
    translator: () => responsesTranslator(provider),
  });
}
