import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type FakeLlmScenario,
  type FakeLlmScenarioFactory,
  type FakeLlmServer,
  startFakeLlmServer,
} from './fake-llm-server.js';

/**
 * Registers hooks that start one {@link startFakeLlmServer} for the test file, reset it
 * (requests, queued scenarios, default) after every test, and close it after the file.
 * Call it at describe level; use the returned object inside tests and hooks only.
 */
export function useFakeLlmServer(
  options: { defaultScenario?: FakeLlmScenario | FakeLlmScenarioFactory } = {},
): FakeLlmServer {
  let server: FakeLlmServer | undefined;
  beforeAll(async () => {
    server = await startFakeLlmServer(options);
  });
  afterEach(() => {
    server?.reset();
  });
  afterAll(async () => {
    await server?.close();
  });
  const current = () => {
    if (!server) {
      throw new Error('useFakeLlmServer(): the server exists only inside tests and hooks');
    }
    return server;
  };
  return {
    get url() {
      return current().url;
    },
    get openaiBaseURL() {
      return current().openaiBaseURL;
    },
    get anthropicBaseURL() {
      return current().anthropicBaseURL;
    },
    get geminiBaseUrl() {
      return current().geminiBaseUrl;
    },
    get requests() {
      return current().requests;
    },
    setDefault: (scenario) => current().setDefault(scenario),
    enqueue: (...scenarios) => current().enqueue(...scenarios),
    waitForRequests: (count, timeoutMs) => current().waitForRequests(count, timeoutMs),
    reset: () => current().reset(),
    close: () => current().close(),
    [Symbol.asyncDispose]: () => current().close(),
  };
}
