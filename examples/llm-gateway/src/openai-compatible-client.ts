import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type {
  OpenAIChatChunk,
  OpenAIChatClient,
  OpenAIChatRequest,
  OpenAIRequestOptions,
} from '@breakwater/llm-stream';
import type { ChatCompletionBody } from './completion-source.js';

/** Options for {@link createOpenAICompatibleClient}. */
export interface OpenAICompatibleClientOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  /** Base URL of the API, the part before `/chat/completions`. @default 'https://api.openai.com/v1' */
  readonly baseURL?: string;
  /** Open connections kept to the upstream. @default 256 */
  readonly maxSockets?: number;
  /** Called with the headers of every upstream answer, errors included (rate-limit headers). */
  readonly onResponse?: (headers: Readonly<Record<string, string | string[] | undefined>>) => void;
}

/** A Chat Completions client: streaming `create`, non-streaming `complete`, and the close function of its pool. */
export interface OpenAICompatibleClient extends OpenAIChatClient {
  /** One non-streaming request (`stream: false`): resolves with the whole `chat.completion` body. */
  complete(body: OpenAIChatRequest, options?: OpenAIRequestOptions): Promise<ChatCompletionBody>;
  /** Closes the kept-alive upstream connections. */
  close(): void;
}

/** An upstream's non-2xx answer, shaped like the SDK's `APIError` so llm-stream classifies it the same way. */
export class OpenAICompatibleError extends Error {
  override readonly name = 'APIError';
  /** The HTTP status. */
  readonly status: number;
  /** The response headers (`retry-after` and friends). */
  readonly headers: Readonly<Record<string, string>>;
  /** The inner `error` object of the body, when it is JSON. */
  readonly error: unknown;

  constructor(status: number, headers: Record<string, string>, body: string) {
    let inner: unknown;
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      inner = parsed?.error ?? parsed;
    } catch {
      inner = undefined;
    }
    const message = (inner as { message?: unknown } | undefined)?.message;
    super(`${status} ${typeof message === 'string' ? message : body.slice(0, 200)}`);
    this.status = status;
    this.headers = headers;
    this.error = inner;
  }
}

function plainHeaders(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const error = new Error(reason instanceof Error ? reason.message : 'The request was aborted.', {
    cause: reason,
  });
  error.name = 'AbortError';
  return error;
}

/** The whole body of a response as text. */
function readText(response: IncomingMessage): Promise<string> {
  // Listeners, not `for await`: a stream's async iterator costs several promises per response.
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (piece: string) => {
      text += piece;
    });
    response.once('end', () => resolve(text));
    response.once('error', reject);
  });
}

/** The JSON `data:` payloads of an SSE body, until `[DONE]`. */
async function* sseChunks(response: IncomingMessage): AsyncGenerator<OpenAIChatChunk> {
  let buffer = '';
  let finished = false;
  response.setEncoding('utf8');
  // Read to the end even after [DONE]: breaking out would destroy the kept-alive socket.
  for await (const piece of response as AsyncIterable<string>) {
    if (finished) continue;
    buffer += piece;
    let boundary = buffer.indexOf('\n');
    while (boundary !== -1) {
      const line = buffer.slice(0, boundary).trimEnd();
      buffer = buffer.slice(boundary + 1);
      boundary = buffer.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      if (data === '[DONE]') {
        finished = true;
        break;
      }
      const chunk = JSON.parse(data) as OpenAIChatChunk & { error?: unknown };
      // Providers report mid-stream failures as an `error` frame inside the 200 stream.
      if (chunk.error) throw new OpenAICompatibleError(500, {}, JSON.stringify(chunk));
      yield chunk;
    }
  }
}

/**
 * A lean client for OpenAI-compatible servers (vLLM, Ollama, LiteLLM, llama.cpp, a mock):
 * `chat.completions.create` with `stream: true` and `complete` without, over keep-alive node:http.
 * It plugs into llm-stream's `openaiChatSource` where the official SDK would; the `openai`
 * provider keeps the SDK, this one trades its features for less CPU per request.
 */
export function createOpenAICompatibleClient(
  options: OpenAICompatibleClientOptions,
): OpenAICompatibleClient {
  const maxSockets = options.maxSockets ?? 256;
  if (!(Number.isInteger(maxSockets) && maxSockets >= 1)) {
    throw new RangeError(`maxSockets must be an integer ≥ 1, got ${maxSockets}`);
  }
  const base = (options.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const url = new URL(`${base}/chat/completions`);
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets })
    : new HttpAgent({ keepAlive: true, maxSockets });
  const send = secure ? httpsRequest : httpRequest;
  const target = {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
  };
  const authorization = `Bearer ${options.apiKey}`;

  /** Sends `body`; resolves with a 2xx response, rejects with the upstream's error otherwise. */
  const post = (
    body: OpenAIChatRequest,
    signal: AbortSignal | undefined,
    accept: string,
  ): Promise<{ response: IncomingMessage; outgoing: ClientRequest; done: () => void }> => {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = send({
        ...target,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept,
          authorization,
          'content-length': Buffer.byteLength(payload),
        },
      });
      const onAbort = () => outgoing.destroy(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      outgoing.once('error', (error) => {
        done();
        reject(signal?.aborted ? abortError(signal) : error);
      });
      outgoing.once('response', (response) => {
        options.onResponse?.(response.headers);
        const status = response.statusCode ?? 502;
        if (status >= 200 && status <= 299) {
          resolve({ response, outgoing, done });
          return;
        }
        readText(response).then(
          (text) => {
            done();
            reject(new OpenAICompatibleError(status, plainHeaders(response), text));
          },
          (error: unknown) => {
            done();
            reject(error);
          },
        );
      });
      outgoing.end(payload);
    });
  };

  const create = async (
    body: OpenAIChatRequest,
    requestOptions: OpenAIRequestOptions = {},
  ): Promise<AsyncIterable<OpenAIChatChunk>> => {
    if (body.stream !== true) throw new TypeError('create() only streams: set stream: true');
    const signal = requestOptions.signal ?? undefined;
    const { response, outgoing, done } = await post(body, signal, 'text/event-stream');
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* sseChunks(response);
        } catch (error) {
          if (signal?.aborted) throw abortError(signal);
          throw error;
        } finally {
          done();
          // Stopped early (client gone, consumer broke off): the connection cannot be reused.
          if (!response.complete) outgoing.destroy();
        }
      },
    };
  };

  const complete = async (
    body: OpenAIChatRequest,
    requestOptions: OpenAIRequestOptions = {},
  ): Promise<ChatCompletionBody> => {
    const signal = requestOptions.signal ?? undefined;
    const { response, done } = await post({ ...body, stream: false }, signal, 'application/json');
    try {
      const text = await readText(response);
      const parsed = JSON.parse(text) as ChatCompletionBody & { error?: unknown };
      // Like a mid-stream error frame: some servers answer 200 with an `error` object.
      if (parsed.error) throw new OpenAICompatibleError(500, plainHeaders(response), text);
      return parsed;
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    } finally {
      done();
    }
  };

  return {
    chat: { completions: { create } },
    complete,
    close: () => agent.destroy(),
  };
}
