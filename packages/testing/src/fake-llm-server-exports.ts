export {
  DEFAULT_CHUNKS,
  type FakeLlmApi,
  type FakeLlmFinishReason,
  type FakeLlmHttpError,
  type FakeLlmPart,
  type FakeLlmRequest,
  type FakeLlmResponseState,
  type FakeLlmScenario,
  type FakeLlmScenarioFactory,
  type FakeLlmServer,
  type FakeLlmStreamError,
  type FakeLlmStreamErrorKind,
  type FakeLlmUsage,
  startFakeLlmServer,
} from './fake-llm-server.js';
export { useFakeLlmServer } from './fake-llm-server-hooks.js';
