import {
  anthropicSource,
  createMockProvider,
  geminiSource,
  type MockProvider,
  openaiChatSource,
  type ProviderStreamSource,
} from '@breakwater/llm-stream';
import type { ProviderResponseInfo } from '@breakwater/rate-limit';
import type { GoogleGenAI } from '@google/genai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { completionSource } from './completion-source.js';
import type { GatewayConfig, ModelConfig, ProviderName } from './config.js';
import { createNodeFetch, type NodeFetch } from './node-fetch.js';
import { createOpenAICompatibleClient } from './openai-compatible-client.js';
import { MOCK_IGNORED_FIELDS, requestsTools, textOnly } from './request-support.js';
import type { ChatMessage } from './session-store.js';
import { toAnthropicParams } from './translate/anthropic-request.js';
import { toGeminiParams } from './translate/gemini-request.js';
import { TranslationRefusal } from './translate/openai-messages.js';

/**
 * An OpenAI Chat Completions request as the client sent it, minus the fields the gateway
 * owns (`model`, `stream`, `stream_options`, `max_tokens`, `max_completion_tokens`, `metadata`).
 */
export interface OpenAIPassthrough {
  /** The client's messages unchanged: content parts, tool calls, tool results. */
  readonly messages: readonly unknown[];
  /** Every other request field, unchanged (tools, response_format, seed, stop, ...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Why a model cannot serve a request as sent: the offending request field and a message. */
export interface UnsupportedRequest {
  readonly param: string;
  readonly message: string;
}

/** What one model call needs to know. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature?: number;
  /**
   * `false` when the client wants the whole answer at once: OpenAI-style providers are then
   * asked without streaming (one JSON body instead of a frame per token). Others always stream.
   * @default true
   */
  readonly stream?: boolean;
  /** The OpenAI request as sent, passed unchanged to OpenAI-style providers. */
  readonly openai?: OpenAIPassthrough;
}

/** A model the gateway can serve, with its breaker name and a source factory. */
export interface ModelRuntime {
  /** The name clients use. */
  readonly name: string;
  readonly provider: ProviderName;
  /** The model id sent upstream (and used for prices and metric labels). */
  readonly upstreamModel: string;
  /** `ai_model_<name>`. */
  readonly breakerName: string;
  readonly defaultMaxTokens: number;
  /** Calls in flight at once over all users; undefined for no limit. */
  readonly concurrency?: number;
  /**
   * `<provider>:<upstreamModel>`, the provider quota key, for models whose answers the catalog
   * reports (rate-limit headers of OpenAI, Anthropic and openai-compatible, the bodies of
   * Gemini's 429s); undefined otherwise.
   */
  readonly quotaKey?: string;
  /** A fresh source for one request. */
  source(request: ModelRequest): ProviderStreamSource;
  /** Why this model cannot take an OpenAI request as sent; undefined when it can. */
  unsupported(openai: OpenAIPassthrough | undefined): UnsupportedRequest | undefined;
  /** The mock provider behind a `mock` model (for tests and the health route). */
  readonly mock?: MockProvider;
  /** A `mock` model's outage switch: while `failing`, every call fails with a 503 before its first token. */
  readonly outage?: { failing: boolean };
}

/**
 * Told what upstream answers of a model say of its quota, keyed by its
 * {@link ModelRuntime.quotaKey}: the headers of every answer, or the body of a Gemini 429.
 */
export type ResponseObserver = (quotaKey: string, response: ProviderResponseInfo) => void;

/** A `fetch` that reports the headers of every answer (errors included) before returning it. */
function observedFetch(transport: NodeFetch, report: (headers: Headers) => void): typeof fetch {
  return async (input, init) => {
    const response = await transport.fetch(input, init);
    report(response.headers);
    return response;
  };
}

/** The part of a `GoogleGenAI` client that {@link geminiSource} calls. */
interface GeminiStreamClient {
  readonly models: Pick<GoogleGenAI['models'], 'generateContentStream'>;
}

/**
 * A Gemini client that reports the body of every 429 before rethrowing it: Gemini tells its
 * quota only there (`RetryInfo`, `QuotaFailure`), and the SDK's `ApiError` keeps the body, as
 * JSON text, as its message.
 */
function observedGemini(
  client: GeminiStreamClient,
  report: (body: string) => void,
): GeminiStreamClient {
  return {
    models: {
      generateContentStream: (params) =>
        client.models.generateContentStream(params).catch((error: unknown) => {
          if (error instanceof Error && (error as { status?: unknown }).status === 429)
            report(error.message);
          throw error;
        }),
    },
  };
}

/** The enabled models in failover order. */
export interface ModelCatalog {
  readonly models: readonly ModelRuntime[];
  /** Models declared in the config but disabled because their API key is not set. */
  readonly disabled: readonly { name: string; reason: string }[];
  get(name: string): ModelRuntime | undefined;
  /** Closes the upstream connection pools. */
  close(): void;
  /** The model asked for first, then (with failover) every other enabled model in order. */
  route(requested: string | undefined, failover: boolean): ModelRuntime[] | undefined;
}

function promptOf(messages: readonly ChatMessage[]): string {
  return messages.map((message) => message.content).join('\n');
}

function promptCharsOf(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += message.content.length;
  return chars;
}

/**
 * Chat Completions params of a request (without `stream`: each source sets its own): every
 * field the client sent and the gateway does not own, unchanged, then the gateway's own.
 */
function chatParams(model: string, request: ModelRequest): ChatCompletionCreateParamsBase {
  // The client's fields go as sent: the schema checked what the gateway reads, the provider checks the rest.
  return {
    ...request.openai?.fields,
    model,
    messages:
      request.openai?.messages ??
      request.messages.map((message) => ({ role: message.role, content: message.content })),
    max_completion_tokens: request.maxTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
  } as ChatCompletionCreateParamsBase;
}

/** Translates an OpenAI request (or a text conversation) into a provider's params. */
type Translator<Params> = (
  model: string,
  maxTokens: number,
  messages: readonly unknown[],
  fields: Readonly<Record<string, unknown>>,
) => Params;

/** The provider params of a request; text conversations go through the same translation. */
function translated<Params>(translate: Translator<Params>, model: string, request: ModelRequest) {
  const fields = {
    ...request.openai?.fields,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
  };
  return translate(model, request.maxTokens, request.openai?.messages ?? request.messages, fields);
}

/** A model's check: the translation's refusal, if any, as an {@link UnsupportedRequest}. */
function translatable<Params>(provider: string, translate: Translator<Params>) {
  return (openai: OpenAIPassthrough | undefined): UnsupportedRequest | undefined => {
    if (!openai) return undefined;
    try {
      translate('check', 1, openai.messages, openai.fields);
      return undefined;
    } catch (error) {
      if (!(error instanceof TranslationRefusal)) throw error;
      return {
        param: error.param,
        message: `The ${provider} models of this gateway cannot take ${error.message}; use an OpenAI model or leave it out.`,
      };
    }
  };
}

/**
 * Whether to stream from an OpenAI-style upstream: always, except for a client that wants the
 * whole answer of a request without tools (a non-streaming answer carries text only here).
 */
function streamsUpstream(request: ModelRequest): boolean {
  return request.stream !== false || requestsTools(request.openai);
}

/** OpenAI-style upstreams take every request as it is. */
const acceptsEverything = (): undefined => undefined;

function mockRuntime(model: ModelConfig): ModelRuntime {
  const upstreamModel = model.upstreamModel ?? model.name;
  const mock = createMockProvider({
    model: upstreamModel,
    provider: 'mock',
    ttftMs: model.mock?.ttftMs ?? 20,
    tokensPerSecond: model.mock?.tokensPerSecond ?? 400,
    failureRate: model.mock?.failureRate ?? 0,
    outputTokens: model.mock?.outputTokens ?? 60,
  });
  // The mock provider's own 503, so an outage is classified like a real provider's.
  const down = createMockProvider({ model: upstreamModel, provider: 'mock', failureRate: 1 });
  const outage = { failing: false };
  return {
    name: model.name,
    provider: 'mock',
    upstreamModel,
    breakerName: `ai_model_${model.name}`,
    defaultMaxTokens: model.maxTokens ?? 512,
    ...(model.concurrency === undefined ? {} : { concurrency: model.concurrency }),
    mock,
    unsupported: textOnly('mock', MOCK_IGNORED_FIELDS),
    outage,
    source: (request) =>
      (outage.failing ? down : mock).source({
        prompt: promptOf(request.messages),
        maxTokens: request.maxTokens,
      }),
  };
}

/** The OpenAI, Anthropic or Gemini SDK client of a model, behind a source factory. */
async function sdkRuntime(
  model: ModelConfig,
  apiKey: string,
  baseURL: string | undefined,
  transport: NodeFetch,
  closers: Array<() => void>,
  env: Readonly<Record<string, string | undefined>>,
  observe: ResponseObserver | undefined,
): Promise<ModelRuntime> {
  const upstreamModel =
    (model.upstreamModelEnv ? env[model.upstreamModelEnv] : undefined) ||
    model.upstreamModel ||
    model.name;
  const base = {
    name: model.name,
    provider: model.provider,
    upstreamModel,
    breakerName: `ai_model_${model.name}`,
    defaultMaxTokens: model.maxTokens ?? 512,
    ...(model.concurrency === undefined ? {} : { concurrency: model.concurrency }),
  };
  const quotaKey = `${model.provider}:${upstreamModel}`;
  const observed = observe ? { quotaKey } : {};
  const report = (headers: Headers) => observe?.(quotaKey, { headers });
  const sdkFetch = observe ? observedFetch(transport, report) : transport.fetch;
  // The SDKs' own retries are off: llm-stream retries and fails over, and the breakers must see every failure.
  switch (model.provider) {
    case 'openai': {
      const { default: OpenAI } = await import('openai');
      const client = new OpenAI({ apiKey, baseURL, maxRetries: 0, fetch: sdkFetch });
      return {
        ...base,
        ...observed,
        unsupported: acceptsEverything,
        source: (request) => {
          const params = chatParams(upstreamModel, request);
          if (streamsUpstream(request)) return openaiChatSource(client, params);
          return completionSource({
            provider: 'openai',
            model: upstreamModel,
            maxTokens: request.maxTokens,
            promptChars: promptCharsOf(request.messages),
            complete: (signal) =>
              client.chat.completions.create({ ...params, stream: false }, { signal }),
          });
        },
      };
    }
    case 'openai-compatible': {
      const client = createOpenAICompatibleClient({
        apiKey,
        baseURL,
        ...(model.maxSockets === undefined ? {} : { maxSockets: model.maxSockets }),
        ...(observe ? { onResponse: (headers) => observe(quotaKey, { headers }) } : {}),
      });
      closers.push(client.close);
      const provider = 'openai-compatible';
      return {
        ...base,
        ...observed,
        unsupported: acceptsEverything,
        source: (request) => {
          const params = chatParams(upstreamModel, request);
          if (streamsUpstream(request)) return openaiChatSource(client, params, { provider });
          return completionSource({
            provider,
            model: upstreamModel,
            maxTokens: request.maxTokens,
            promptChars: promptCharsOf(request.messages),
            complete: (signal) => client.complete(params, { signal }),
          });
        },
      };
    }
    case 'anthropic': {
      const { default: Anthropic } = await import('@anthropic-ai/sdk');
      const client = new Anthropic({ apiKey, baseURL, maxRetries: 0, fetch: sdkFetch });
      return {
        ...base,
        ...observed,
        unsupported: translatable('anthropic', toAnthropicParams),
        source: (request) =>
          anthropicSource(client, translated(toAnthropicParams, upstreamModel, request)),
      };
    }
    case 'gemini': {
      const { GoogleGenAI } = await import('@google/genai');
      const sdk = new GoogleGenAI({
        apiKey,
        ...(baseURL ? { httpOptions: { baseUrl: baseURL } } : {}),
      });
      // Gemini sends no rate-limit headers: its quota is in the body of a 429.
      const client: GeminiStreamClient = observe
        ? observedGemini(sdk, (body) => observe(quotaKey, { body }))
        : sdk;
      return {
        ...base,
        ...observed,
        unsupported: translatable('gemini', toGeminiParams),
        source: (request) =>
          geminiSource(client, translated(toGeminiParams, upstreamModel, request)),
      };
    }
    default:
      throw new TypeError(`model ${model.name}: provider ${model.provider} has no SDK`);
  }
}

/**
 * Builds the catalog: mock models always, SDK models only when their API key is set. `observe`
 * is told the headers of every upstream answer of the OpenAI, Anthropic and openai-compatible
 * models, and the body of every 429 of the Gemini models.
 */
export async function createModelCatalog(
  config: GatewayConfig,
  observe?: ResponseObserver,
): Promise<ModelCatalog> {
  const models: ModelRuntime[] = [];
  const disabled: { name: string; reason: string }[] = [];
  const transport = createNodeFetch();
  const closers = [() => transport.close()];
  for (const model of config.models) {
    if (model.provider === 'mock') {
      models.push(mockRuntime(model));
      continue;
    }
    const apiKey = model.apiKeyEnv ? config.env[model.apiKeyEnv] : undefined;
    if (!apiKey) {
      disabled.push({
        name: model.name,
        reason: `${model.apiKeyEnv ?? 'an API key variable'} is not set`,
      });
      continue;
    }
    const baseURL = model.baseUrlEnv ? config.env[model.baseUrlEnv] || undefined : undefined;
    models.push(await sdkRuntime(model, apiKey, baseURL, transport, closers, config.env, observe));
  }
  if (models.length === 0) {
    throw new RangeError('no model is enabled: set a provider API key or declare a mock model');
  }
  const byName = new Map(models.map((model) => [model.name, model]));
  return {
    models,
    disabled,
    close: () => {
      for (const close of closers) close();
    },
    get: (name) => byName.get(name),
    route(requested, failover) {
      const first = requested === undefined ? models[0] : byName.get(requested);
      if (!first) return undefined;
      return failover ? [first, ...models.filter((model) => model !== first)] : [first];
    },
  };
}
