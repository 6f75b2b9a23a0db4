export type { AdapterOptions } from './adapter-options.js';
export {
  type AnthropicClient,
  type AnthropicParams,
  type AnthropicRequest,
  type AnthropicRequestOptions,
  type AnthropicSourceOptions,
  type AnthropicStreamEvent,
  anthropicSource,
} from './anthropic-source.js';
export {
  type GeminiChunk,
  type GeminiClient,
  type GeminiParams,
  type GeminiRequest,
  type GeminiSourceOptions,
  geminiSource,
} from './gemini-source.js';
export {
  type IterableItem,
  type IterableSourceOptions,
  iterableSource,
  type TextIterableInput,
} from './iterable-source.js';
export { type NormalizedFinishReason, normalizeFinishReason } from './normalize-finish-reason.js';
export {
  type OpenAIChatChunk,
  type OpenAIChatClient,
  type OpenAIChatParams,
  type OpenAIChatRequest,
  type OpenAIChatSourceOptions,
  type OpenAIRequestOptions,
  openaiChatSource,
} from './openai-chat-source.js';
export {
  type OpenAIResponsesClient,
  type OpenAIResponsesEvent,
  type OpenAIResponsesParams,
  type OpenAIResponsesRequest,
  type OpenAIResponsesSourceOptions,
  openaiResponsesSource,
} from './openai-responses-source.js';
export {
  isProviderError,
  ProviderError,
  type ProviderErrorCode,
  type ProviderErrorOptions,
  type ToProviderErrorOptions,
  toProviderError,
} from './provider-error.js';
