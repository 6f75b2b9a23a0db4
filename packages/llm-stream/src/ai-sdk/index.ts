export {
  type AiSdkSourceOptions,
  aiSdkSource,
  fromAiSdkError,
} from './ai-sdk-source.js';
export {
  type AiSdkFallback,
  type BreakwaterMiddlewareOptions,
  breakwaterMiddleware,
} from './breakwater-middleware.js';
export { AiSdkPartWriter, toAiSdkFinishReason, toAiSdkUsage } from './to-ai-sdk-parts.js';
