/**
 * Splits a gateway CPU profile by what the time buys: the two HTTP hops (Node's parsing and
 * the write system calls), each feature (Fastify, rate limits, llm-stream, metrics…), the
 * promises and abort signals between them, and garbage collection. Module loading (start-up)
 * is left out, so the shares are those of serving requests.
 */
import { type Profile, type ProfileNode, selfTimes } from './cpu-profile.js';

const STARTUP = 'start-up (module loading)';

/** Ordered rules: the first whose test matches names the cost. */
const RULES: ReadonlyArray<readonly [string, (url: string, name: string) => boolean]> = [
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  [
    'socket write system calls (writev)',
    (url, name) =>
      url === '' && /^(writev|writeUtf8String|writeBuffer|writeLatin1String)$/.test(name),
  ],
  [
    STARTUP,
    (url, name) =>
      /node:internal\/modules|\/tsx\/|esbuild|wasm:|cjs-module-lexer|package_json/.test(url) ||
      (url === '' && /compile|readFileUtf8|internalModule|wrapSafe|^\(program\)$/.test(name)),
  ],
  ['metrics (prom-client, instrumentation)', (url) => /prom-client|packages\/metrics\//.test(url)],
  [
    'rate limits, token reservation, concurrency slots',
    (url) => url.includes('packages/rate-limit/'),
  ],
  [
    'llm-stream (managed stream, events, SSE writer)',
    (url) => url.includes('packages/llm-stream/'),
  ],
  ['circuit breaker', (url) => url.includes('packages/circuit-breaker/')],
  [
    'Fastify (routing, body parsing, validation)',
    (url) => /fastify|find-my-way|secure-json-parse|ajv|avvio/.test(url),
  ],
  ['openai SDK', (url) => /node_modules\/openai\//.test(url)],
  // The servers' own code: both parse and re-encode the API; the gateway also runs its pipeline.
  [
    "the server's own code (API parsing and encoding; the gateway's pipeline and lean client)",
    (url, name) =>
      url.includes('examples/') ||
      url.includes('bench/lib/') ||
      (url === '' && /^(parse|stringify)$/.test(name)),
  ],
  ['AbortController and AbortSignal', (url) => /abort_controller|event_target/.test(url)],
  ['API key hash (crypto)', (url) => url.includes('node:internal/crypto')],
  ['timers', (url) => /timers/.test(url)],
  [
    'Node.js HTTP in and out (parsing, headers, sockets, streams)',
    (url, name) =>
      /_http_|node:net|node:http|stream_base|streams\/|string_decoder|node:buffer|internal\/url|freelist/.test(
        url,
      ) || /^(socketOnData|parserOnHeadersComplete)$/.test(name),
  ],
  [
    'events, ticks and promises',
    (url, name) =>
      /node:events|task_queues|async_hooks|eventemitter3/.test(url) || name === 'runMicrotasks',
  ],
];

/** The cost a function's self time counts towards. */
export function costOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  for (const [cost, matches] of RULES) if (matches(url, functionName)) return cost;
  return 'other built-ins (Map and Set, UUIDs, strings)';
}

/** One line of {@link featureCosts}. */
export interface FeatureCost {
  readonly cost: string;
  /** Share of the serving time (start-up left out). */
  readonly share: number;
  /** The share applied to the measured CPU time per request. */
  readonly microsPerRequest: number;
}

/** The serving time of `profile` by cost, largest first, scaled to `cpuPerRequestUs`. */
export function featureCosts(profile: Profile, cpuPerRequestUs: number): FeatureCost[] {
  const totals = new Map<string, number>();
  for (const [node, micros] of selfTimes(profile)) {
    const cost = costOf(node);
    totals.set(cost, (totals.get(cost) ?? 0) + micros);
  }
  totals.delete(STARTUP);
  const serving = [...totals.values()].reduce((sum, micros) => sum + micros, 0);
  return [...totals]
    .map(([cost, micros]) => ({
      cost,
      share: micros / serving,
      microsPerRequest: (micros / serving) * cpuPerRequestUs,
    }))
    .sort((a, b) => b.share - a.share);
}
