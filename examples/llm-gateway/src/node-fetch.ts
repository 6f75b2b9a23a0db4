import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Options for {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Open connections kept per upstream host. @default 256 */
  readonly maxSockets?: number;
}

/** A `fetch` for the SDK clients, with the close function of its connection pools. */
export interface NodeFetch {
  readonly fetch: typeof fetch;
  /** Closes the kept-alive upstream connections. */
  close(): void;
}

/** The response headers as name/value pairs, straight from the parser's raw list (no Headers round trip). */
function headerPairs(response: IncomingMessage): [string, string][] {
  const raw = response.rawHeaders;
  const pairs: [string, string][] = [];
  for (let index = 0; index < raw.length; index += 2) pairs.push([raw[index]!, raw[index + 1]!]);
  return pairs;
}

/**
 * The body as a web stream: a thin push adapter with backpressure (pause when the queue is
 * full, resume on pull), cheaper per response than `Readable.toWeb`.
 */
function webBody(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      incoming.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) incoming.pause();
      });
      incoming.once('end', () => controller.close());
      incoming.once('error', (error) => controller.error(error));
      // The socket closed before the body was complete (abort, upstream reset).
      incoming.once('close', () => {
        if (!incoming.complete) controller.error(new Error('upstream response was cut short'));
      });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      incoming.destroy();
    },
  });
}

/** Parsed request targets by URL string: an SDK client calls the same few URLs over and over. */
const TARGET_CACHE_SIZE = 64;

/**
 * A `fetch` over node:http(s) with keep-alive pools, handed to the official OpenAI and
 * Anthropic SDKs through their `fetch` option. The SDKs stay the same; only the transport
 * changes, because Node's built-in fetch costs several times more CPU per small request (see
 * the gateway benchmark). Request bodies other than strings and bytes use the built-in fetch.
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const maxSockets = options.maxSockets ?? 256;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  const targets = new Map<string, URL>();

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    if (
      input instanceof Request ||
      (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init);
    }
    const href = typeof input === 'string' ? input : input.href;
    let url = targets.get(href);
    if (url === undefined) {
      url = new URL(href);
      if (targets.size >= TARGET_CACHE_SIZE) targets.clear();
      targets.set(href, url);
    }
    const headers: Record<string, string> = {};
    const given = init.headers;
    if (given instanceof Headers) {
      for (const [name, value] of given) headers[name] = value;
    } else {
      new Headers(given).forEach((value, name) => {
        headers[name] = value;
      });
    }
    const secure = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent: secure ? httpsAgent : httpAgent,
          signal: init.signal ?? undefined,
        },
        (incoming) => {
          const status = incoming.statusCode ?? 502;
          // Responses that must not carry a body get none (the Response constructor insists).
          const empty = status === 204 || status === 304 || init.method === 'HEAD';
          if (empty) incoming.resume();
          resolve(
            new Response(empty ? null : webBody(incoming), {
              status,
              statusText: incoming.statusMessage,
              headers: headerPairs(incoming),
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body ?? undefined);
    });
  };

  return {
    fetch: nodeFetch as typeof fetch,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
