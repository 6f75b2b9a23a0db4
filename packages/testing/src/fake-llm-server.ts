import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type FakeLlmHttpError,
  type FakeLlmScenario,
  stepsOf,
  validateScenario,
} from './fake-llm-scenario.js';
import type { FakeLlmApi, WireAnswer, WireHttpError, WireStream } from './fake-llm-server-wire.js';
import { anthropicHttpError, anthropicJson, anthropicStream } from './fake-llm-wire-anthropic.js';
import { geminiHttpError, geminiJson, geminiStream } from './fake-llm-wire-gemini.js';
import { openaiChatJson, openaiChatStream, openaiHttpError } from './fake-llm-wire-openai-chat.js';
import { openaiResponsesJson, openaiResponsesStream } from './fake-llm-wire-openai-responses.js';

export {
  DEFAULT_CHUNKS,
  type FakeLlmHttpError,
  type FakeLlmPart,
  type FakeLlmScenario,
  type FakeLlmStreamError,
} from './fake-llm-scenario.js';
export type {
  FakeLlmApi,
  FakeLlmFinishReason,
  FakeLlmStreamErrorKind,
  FakeLlmUsage,
} from './fake-llm-server-wire.js';

export type FakeLlmScenarioFactory = (request: FakeLlmRequest) => FakeLlmScenario;

/** How a recorded response ended. */
export type FakeLlmResponseState =
  /** Still being written. */
  | 'open'
  /** The server wrote the whole response. */
  | 'completed'
  /** The client closed the connection before the response ended (an abort). */
  | 'client-closed'
  /** The server destroyed the socket on purpose (`disconnectAfterChunks`). */
  | 'server-closed';

/** One request the fake server received, and what became of its response. */
export interface FakeLlmRequest {
  /** Arrival order, from 0. */
  readonly index: number;
  readonly provider: 'openai' | 'anthropic' | 'gemini';
  readonly api: FakeLlmApi;
  readonly method: string;
  /** Path and query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly model: string;
  readonly stream: boolean;
  /** Steps (text chunks and part deltas) written so far. */
  readonly chunksSent: number;
  readonly state: FakeLlmResponseState;
  /** Settles with the final state once the response is over, however it ended. */
  readonly finished: Promise<Exclude<FakeLlmResponseState, 'open'>>;
}

/** A running fake LLM provider; see {@link startFakeLlmServer}. */
export interface FakeLlmServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** For `new OpenAI({ baseURL })`: `url + '/v1'`. */
  readonly openaiBaseURL: string;
  /** For `new Anthropic({ baseURL })`. */
  readonly anthropicBaseURL: string;
  /** For `new GoogleGenAI({ httpOptions: { baseUrl } })`. */
  readonly geminiBaseUrl: string;
  /** Every request received since the start or the last {@link FakeLlmServer.reset}, in order. */
  readonly requests: readonly FakeLlmRequest[];
  /** Scenario for requests that find the queue empty. */
  setDefault(scenario: FakeLlmScenario | FakeLlmScenarioFactory): void;
  /** Scenarios for the next requests, one each, first in first out. */
  enqueue(...scenarios: Array<FakeLlmScenario | FakeLlmScenarioFactory>): void;
  /** Resolves once `count` requests have arrived. @default timeoutMs 5000 */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly FakeLlmRequest[]>;
  /** Forgets requests, queued scenarios and the default. Open responses are closed. */
  reset(): void;
  /** Closes open responses and the server. */
  close(): Promise<void>;
}

type MutableRequest = { -readonly [K in keyof FakeLlmRequest]: FakeLlmRequest[K] };

interface Route {
  readonly provider: FakeLlmRequest['provider'];
  readonly api: FakeLlmApi;
  readonly model?: string;
  readonly stream?: boolean;
  readonly format?: 'sse' | 'json-array';
}

function route(method: string, url: URL): Route | undefined {
  if (method !== 'POST') return undefined;
  const path = url.pathname;
  if (/^(\/v1)?\/chat\/completions$/.test(path)) return { provider: 'openai', api: 'openai.chat' };
  if (/^(\/v1)?\/responses$/.test(path)) return { provider: 'openai', api: 'openai.responses' };
  if (path === '/v1/messages') return { provider: 'anthropic', api: 'anthropic.messages' };
  const gemini =
    /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (gemini) {
    const stream = gemini[3] === 'streamGenerateContent';
    return {
      provider: 'gemini',
      api: 'gemini.generate',
      model: decodeURIComponent(gemini[2]!),
      stream,
      format: url.searchParams.get('alt') === 'sse' ? 'sse' : 'json-array',
    };
  }
  return undefined;
}

function hasCredentials(provider: FakeLlmRequest['provider'], request: IncomingMessage, url: URL) {
  const { headers } = request;
  // Azure OpenAI sends `api-key` instead of a bearer token.
  if (provider === 'openai') {
    return typeof headers.authorization === 'string' || typeof headers['api-key'] === 'string';
  }
  if (provider === 'anthropic') {
    return typeof headers['x-api-key'] === 'string' || typeof headers.authorization === 'string';
  }
  return (
    typeof headers['x-goog-api-key'] === 'string' ||
    typeof headers.authorization === 'string' ||
    url.searchParams.has('key')
  );
}

function httpErrorFor(request: FakeLlmRequest, error: FakeLlmHttpError): WireHttpError {
  if (request.provider === 'openai') return openaiHttpError(error, request.index);
  if (request.provider === 'anthropic') return anthropicHttpError(error, request.index);
  return geminiHttpError(error);
}

function streamFor(
  request: FakeLlmRequest,
  answer: WireAnswer,
  format: Route['format'],
): WireStream {
  switch (request.api) {
    case 'openai.chat':
      return openaiChatStream(answer);
    case 'openai.responses':
      return openaiResponsesStream(answer);
    case 'anthropic.messages':
      return anthropicStream(answer);
    case 'gemini.generate':
      return geminiStream(answer, format ?? 'sse');
  }
}

function jsonFor(request: FakeLlmRequest, answer: WireAnswer): string {
  switch (request.api) {
    case 'openai.chat':
      return openaiChatJson(answer);
    case 'openai.responses':
      return openaiResponsesJson(answer);
    case 'anthropic.messages':
      return anthropicJson(answer);
    case 'gemini.generate':
      return geminiJson(answer);
  }
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/**
 * Starts a fake LLM provider on 127.0.0.1 (a free port) that speaks the real wire formats
 * of OpenAI Chat Completions and Responses, Anthropic Messages and Gemini generateContent,
 * streaming and not, so the official SDKs can be pointed at it with `baseURL`. Each
 * request is answered from a {@link FakeLlmScenario} and recorded, including whether its
 * client closed the connection before the response ended.
 *
 * Delays use real timers: keep `vi.useFakeTimers()` away from tests that use it.
 *
 * @example
 * const server = await startFakeLlmServer();
 * server.enqueue({ chunks: ['Hi', '!'], usage: { inputTokens: 5, outputTokens: 2 } });
 * const openai = new OpenAI({ apiKey: 'test', baseURL: server.openaiBaseURL });
 */
export async function startFakeLlmServer(
  options: { defaultScenario?: FakeLlmScenario | FakeLlmScenarioFactory } = {},
): Promise<FakeLlmServer> {
  let requests: MutableRequest[] = [];
  let queue: Array<FakeLlmScenario | FakeLlmScenarioFactory> = [];
  let fallback: FakeLlmScenario | FakeLlmScenarioFactory = options.defaultScenario ?? {};
  const open = new Map<ServerResponse, MutableRequest>();
  let waiters: Array<() => void> = [];

  const server = createServer((incoming, response) => {
    void handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: String(error) } }));
      } else {
        response.destroy();
      }
    });
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse) {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const target = route(incoming.method ?? 'GET', url);
    const body = await readBody(incoming);
    if (!target) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: `fake LLM server: no route for ${incoming.method} ${url.pathname}` },
        }),
      );
      return;
    }

    let settle: (state: Exclude<FakeLlmResponseState, 'open'>) => void = () => {};
    const record: MutableRequest = {
      index: requests.length,
      provider: target.provider,
      api: target.api,
      method: incoming.method ?? 'POST',
      url: incoming.url ?? '/',
      headers: incoming.headers,
      body,
      model: target.model ?? (typeof body.model === 'string' ? body.model : ''),
      stream: target.stream ?? body.stream === true,
      chunksSent: 0,
      state: 'open',
      finished: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    requests.push(record);
    for (const wake of waiters) wake();

    const aborted = new AbortController();
    const { signal } = aborted;
    open.set(response, record);
    response.on('close', () => {
      open.delete(response);
      if (record.state === 'open') {
        record.state = response.writableFinished ? 'completed' : 'client-closed';
      }
      settle(record.state as Exclude<FakeLlmResponseState, 'open'>);
      aborted.abort();
    });

    try {
      await answer(incoming, response, url, target, record, signal);
    } catch (error) {
      // The client went away while we waited: that is the outcome under test, not a failure.
      if (!signal.aborted) throw error;
    }
  }

  async function answer(
    incoming: IncomingMessage,
    response: ServerResponse,
    url: URL,
    target: Route,
    record: MutableRequest,
    signal: AbortSignal,
  ) {
    const { body } = record;
    const next = queue.shift() ?? fallback;
    const scenario = typeof next === 'function' ? next(record) : next;
    validateScenario(scenario);

    if (scenario.headersDelayMs) await sleep(scenario.headersDelayMs, undefined, { signal });

    const failure = hasCredentials(target.provider, incoming, url)
      ? scenario.httpError
      : { status: 401 };
    if (failure) {
      const error = httpErrorFor(record, failure);
      response.writeHead(error.status, error.headers);
      response.end(error.body);
      return;
    }

    const steps = scenario.geminiBlockReason ? [] : stepsOf(scenario);
    const reply: WireAnswer = {
      requestIndex: record.index,
      model: record.model,
      steps,
      text: steps.map((step) => (step.kind === 'text' ? step.text : '')).join(''),
      usage: scenario.usage ?? { inputTokens: 10, outputTokens: steps.length },
      finishReason: scenario.finishReason ?? 'stop',
      includeUsage:
        (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
      geminiBlockReason: scenario.geminiBlockReason,
    };

    if (!record.stream) {
      if (scenario.firstChunkDelayMs) {
        await sleep(scenario.firstChunkDelayMs, undefined, { signal });
      }
      response.writeHead(200, { 'content-type': 'application/json', ...scenario.headers });
      response.end(jsonFor(record, reply));
      return;
    }

    const wire = streamFor(record, reply, target.format);
    response.writeHead(200, { ...wire.headers, ...scenario.headers });
    response.flushHeaders();
    const write = async (frames: readonly string[]) => {
      for (const frame of frames) {
        if (signal.aborted) throw signal.reason;
        if (!response.write(frame)) await once(response, 'drain', { signal });
      }
    };

    await write(wire.start());
    for (let index = 0; index <= steps.length; index++) {
      if (scenario.streamError?.afterChunks === index) {
        const {
          kind = 'overloaded',
          message,
          responsesEvent = 'response.failed',
        } = scenario.streamError;
        await write(wire.error(kind, message, responsesEvent));
        response.end();
        return;
      }
      if (scenario.disconnectAfterChunks === index) {
        record.state = 'server-closed';
        response.destroy();
        return;
      }
      if (scenario.truncateAfterChunks === index) {
        response.end();
        return;
      }
      if (scenario.hangAfterChunks === index) {
        if (!signal.aborted) await once(signal, 'abort');
        return;
      }
      if (index === steps.length) break;
      const delay = index === 0 ? scenario.firstChunkDelayMs : scenario.chunkDelayMs;
      if (delay) await sleep(delay, undefined, { signal });
      await write(wire.step(steps[index]!, index));
      record.chunksSent = index + 1;
      if (scenario.pingEveryChunks && (index + 1) % scenario.pingEveryChunks === 0) {
        await write(wire.ping());
      }
    }
    await write(wire.finish());
    response.end();
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const closeOpen = () => {
    for (const [response, record] of open) {
      if (record.state === 'open') record.state = 'server-closed';
      response.destroy();
    }
    open.clear();
  };

  const close = async () => {
    closeOpen();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    geminiBaseUrl: url,
    get requests() {
      return requests;
    },
    setDefault(scenario) {
      if (typeof scenario !== 'function') validateScenario(scenario);
      fallback = scenario;
    },
    enqueue(...scenarios) {
      for (const scenario of scenarios) {
        if (typeof scenario !== 'function') validateScenario(scenario);
      }
      queue.push(...scenarios);
    },
    waitForRequests(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== check);
          reject(
            new Error(
              `fake LLM server: ${requests.length} of ${count} requests after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters = waiters.filter((waiter) => waiter !== check);
          resolve(requests);
        };
        waiters.push(check);
      });
    },
    reset() {
      closeOpen();
      requests = [];
      queue = [];
      fallback = options.defaultScenario ?? {};
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
