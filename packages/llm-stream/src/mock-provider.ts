import { abortableSleep } from './abortable-sleep.js';
import { estimateTokens } from './estimate-tokens.js';
import { MockProviderError } from './mock-provider-error.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';

/** Options for {@link createMockProvider}. */
export interface MockProviderOptions {
  /** @default 'mock-1' */
  readonly model?: string;
  /** @default 'mock' */
  readonly provider?: string;
  /** Seeds the text and the failure draws: the same seed gives the same run. @default 1 */
  readonly seed?: number;
  /** Fixed reply text, split into word tokens; without it a reply is generated from the seed and the prompt. */
  readonly text?: string;
  /** Tokens in a generated reply (a request's `maxTokens` may stop it sooner). @default 64 */
  readonly outputTokens?: number;
  /** Time before the request is accepted (`open()` resolves), like time to response headers. @default 0 */
  readonly latencyMs?: number;
  /** Time from acceptance to the first token. @default 0 */
  readonly ttftMs?: number;
  /** Pace after the first token; 0 sends tokens as fast as they are read. @default 0 */
  readonly tokensPerSecond?: number;
  /** Share of requests (0–1) rejected with a 503 before the first token. @default 0 */
  readonly failureRate?: number;
  /** Share of requests (0–1) rejected with a 429 carrying `Retry-After`. @default 0 */
  readonly rateLimitRate?: number;
  /** `Retry-After` of the 429s, in milliseconds (sent as `retry-after-ms` and whole seconds in `retry-after`). @default 1000 */
  readonly retryAfterMs?: number;
  /** Share of requests (0–1) that fail mid-stream, halfway through the reply. @default 0 */
  readonly midStreamFailureRate?: number;
  /**
   * How usage is reported: once at the end like OpenAI (`final`), after every token like Gemini
   * (`cumulative`), or not at all (`none`). @default 'final'
   */
  readonly usage?: 'final' | 'cumulative' | 'none';
}

/** One request to the mock provider. */
export interface MockRequest {
  /** Seeds the generated text together with the provider's seed; also the basis of input tokens. @default '' */
  readonly prompt?: string;
  /** Stops the reply with finish reason `length` after this many tokens; the basis of progress percent. */
  readonly maxTokens?: number;
}

/** A whole reply, as a non-streaming API returns it. */
export interface MockCompletion {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly finishReason: 'stop' | 'length';
}

/** Counters of upstream requests, to check that cancellation really closed them. */
export interface MockProviderStats {
  readonly opened: number;
  readonly completed: number;
  readonly aborted: number;
  readonly failed: number;
}

/** A deterministic stand-in for an LLM provider: a {@link ProviderStreamSource} factory. */
export interface MockProvider {
  readonly provider: string;
  readonly model: string;
  /** A source for one request; each `open()` of it is one upstream request. */
  source(request?: MockRequest): ProviderStreamSource;
  /** The same reply without streaming, after `latencyMs + ttftMs` (for simulated streaming and caches). */
  complete(request?: MockRequest, signal?: AbortSignal): Promise<MockCompletion>;
  /** Upstream requests currently open (accepted and neither finished nor aborted). */
  readonly openStreams: number;
  readonly stats: MockProviderStats;
}

// biome-ignore format: a word list reads better packed
const words = [
  'the', 'river', 'keeps', 'moving', 'while', 'a', 'breakwater', 'holds', 'steady', 'against',
  'waves', 'of', 'requests', 'that', 'arrive', 'in', 'bursts', 'and', 'each', 'token',
  'travels', 'from', 'model', 'to', 'reader', 'without', 'waiting', 'for', 'the', 'whole',
  'answer', 'so', 'people', 'see', 'words', 'appear', 'as', 'they', 'are', 'written',
  'quietly', 'resilient', 'streams', 'carry', 'light', 'through', 'narrow', 'harbours', 'at', 'dusk',
];

/** Creates a {@link MockProvider}. */
export function createMockProvider(options: MockProviderOptions = {}): MockProvider {
  const model = options.model ?? 'mock-1';
  const provider = options.provider ?? 'mock';
  const seed = options.seed ?? 1;
  const outputTokens = options.outputTokens ?? 64;
  const latencyMs = options.latencyMs ?? 0;
  const ttftMs = options.ttftMs ?? 0;
  const tokensPerSecond = options.tokensPerSecond ?? 0;
  const failureRate = options.failureRate ?? 0;
  const rateLimitRate = options.rateLimitRate ?? 0;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  const midStreamFailureRate = options.midStreamFailureRate ?? 0;
  const usage = options.usage ?? 'final';
  if (!Number.isInteger(outputTokens) || outputTokens < 0) {
    throw new RangeError(`outputTokens must be an integer ≥ 0, got ${outputTokens}`);
  }
  for (const [name, value] of [
    ['latencyMs', latencyMs],
    ['ttftMs', ttftMs],
    ['tokensPerSecond', tokensPerSecond],
    ['retryAfterMs', retryAfterMs],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
    }
  }
  for (const [name, value] of [
    ['failureRate', failureRate],
    ['rateLimitRate', rateLimitRate],
    ['midStreamFailureRate', midStreamFailureRate],
  ] as const) {
    if (!(value >= 0 && value <= 1)) {
      throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
    }
  }
  if (usage !== 'final' && usage !== 'cumulative' && usage !== 'none') {
    throw new RangeError(`usage must be 'final', 'cumulative' or 'none', got ${String(usage)}`);
  }
  const fixedTokens = options.text === undefined ? undefined : splitWords(options.text);
  const tokenDelayMs = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  const draw = mulberry32(seed ^ 0x9e3779b9);
  let opened = 0;
  let completed = 0;
  let aborted = 0;
  let failed = 0;
  let open = 0;

  // Tokens are made on demand, so a long reply costs nothing until it is read.
  const reply = (request: MockRequest) => {
    const prompt = request.prompt ?? '';
    const available = fixedTokens === undefined ? outputTokens : fixedTokens.length;
    const limit = request.maxTokens;
    const cut = limit !== undefined && limit < available;
    const count = cut ? limit : available;
    return {
      count,
      tokenAt:
        fixedTokens === undefined
          ? generatedTokens(seed ^ hash(prompt), available)
          : (index: number) => fixedTokens[index]!,
      finishReason: cut ? ('length' as const) : ('stop' as const),
      inputTokens: estimateTokens(prompt),
    };
  };

  // Failure draws happen per request, in request order, so a seed replays the same run.
  const admit = () => {
    const roll = draw();
    if (roll < rateLimitRate) {
      failed++;
      throw new MockProviderError('mock_rate_limited', 429, 'Rate limit exceeded (mock)', {
        'retry-after': String(Math.ceil(retryAfterMs / 1000)),
        'retry-after-ms': String(retryAfterMs),
      });
    }
    if (roll < rateLimitRate + failureRate) {
      failed++;
      throw new MockProviderError('mock_unavailable', 503, 'Service unavailable (mock)');
    }
    return draw() < midStreamFailureRate;
  };

  async function* events(
    count: number,
    tokenAt: (index: number) => string,
    finishReason: string,
    inputTokens: number,
    failMidStream: boolean,
    signal: AbortSignal,
    close: (outcome: 'completed' | 'aborted' | 'failed') => void,
  ): AsyncGenerator<ProviderEvent> {
    let outcome: 'completed' | 'aborted' | 'failed' = 'aborted';
    try {
      if (ttftMs > 0) await abortableSleep(ttftMs, signal);
      const failAt = failMidStream ? Math.max(1, Math.floor(count / 2)) : -1;
      for (let index = 0; index < count; index++) {
        if (index === failAt) {
          outcome = 'failed';
          throw new MockProviderError('mock_interrupted', 529, 'Overloaded mid-stream (mock)');
        }
        if (index > 0 && tokenDelayMs > 0) await abortableSleep(tokenDelayMs, signal);
        if (signal.aborted) throw signal.reason;
        yield { type: 'text', text: tokenAt(index) };
        if (usage === 'cumulative') yield { type: 'usage', inputTokens, outputTokens: index + 1 };
      }
      yield { type: 'finish', reason: finishReason };
      if (usage === 'final') yield { type: 'usage', inputTokens, outputTokens: count };
      outcome = 'completed';
    } finally {
      close(outcome);
    }
  }

  const source = (request: MockRequest = {}): ProviderStreamSource => ({
    provider,
    model,
    ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    promptTokens: estimateTokens(request.prompt ?? ''),
    async open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>> {
      if (latencyMs > 0) await abortableSleep(latencyMs, signal);
      if (signal.aborted) throw signal.reason;
      const failMidStream = admit();
      const { count, tokenAt, finishReason, inputTokens } = reply(request);
      opened++;
      open++;
      let closed = false;
      const close = (outcome: 'completed' | 'aborted' | 'failed') => {
        if (closed) return;
        closed = true;
        open--;
        signal.removeEventListener('abort', onAbort);
        if (outcome === 'completed') completed++;
        else if (outcome === 'failed') failed++;
        else aborted++;
      };
      // An abort before the first read never enters the generator, so count it here too.
      const onAbort = () => close('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      return events(count, tokenAt, finishReason, inputTokens, failMidStream, signal, close);
    },
  });

  return {
    provider,
    model,
    source,
    async complete(request: MockRequest = {}, signal?: AbortSignal): Promise<MockCompletion> {
      const active = signal ?? new AbortController().signal;
      if (latencyMs + ttftMs > 0) await abortableSleep(latencyMs + ttftMs, active);
      admit();
      const { count, tokenAt, finishReason, inputTokens } = reply(request);
      let text = '';
      for (let index = 0; index < count; index++) text += tokenAt(index);
      return { text, inputTokens, outputTokens: count, finishReason };
    },
    get openStreams() {
      return open;
    },
    get stats() {
      return { opened, completed, aborted, failed };
    },
  };
}

/** The generated reply as a function of the token index; tokens must be asked for in order. */
function generatedTokens(seed: number, total: number): (index: number) => string {
  const random = mulberry32(seed);
  return (index) => {
    const word = words[Math.floor(random() * words.length)]!;
    const token = index === 0 ? capitalize(word) : ` ${word}`;
    return index === total - 1 ? `${token}.` : token;
  };
}

function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
