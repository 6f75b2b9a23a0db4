import type { ManagedStream, StreamEndEvent, StreamManager } from '@breakwater/llm-stream';
import { createSimulatedSource } from '@breakwater/llm-stream';
import type { ConcurrencySlots } from './concurrency-slots.js';
import type { GatewayConfig } from './config.js';
import type { Identity } from './identity.js';
import type { ModelCatalog, ModelRequest, OpenAIPassthrough } from './model-catalog.js';
import type { ModelBreaker, ModelSlots } from './model-slots.js';
import { type Problem, problem } from './problem.js';
import { requestsTools } from './request-support.js';
import { type CachedResponse, type ResponseCache, responseCacheKey } from './response-cache.js';
import type { ChatMessage } from './session-store.js';
import type { TokenBudget } from './token-budget.js';

/** A guard the pipeline runs cache calls through (the `cache` circuit breaker). */
export interface CallGuard {
  execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
}

/** A permit guard per model (the `ai_model_<name>` circuit breakers). */
export interface GuardSource {
  guardFor(breakerName: string): CallGuard & ModelBreaker;
}

/** One chat turn, however it arrived (OpenAI route, SSE route, WebSocket). */
export interface ChatTurn {
  readonly identity: Identity;
  readonly model?: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  /** The client's own temperature; only an explicit 0 makes a turn cacheable. */
  readonly temperature?: number;
  readonly taskType: string;
  /** The OpenAI request as the client sent it, for providers that take it as is. */
  readonly openai?: OpenAIPassthrough;
  /** The route, for metadata and logs. */
  readonly endpoint: string;
  /** Aborted when the client goes away (cancels the stream; never a token reservation). */
  readonly signal?: AbortSignal;
  /** Skip the response cache for this turn. */
  readonly noCache?: boolean;
  /** `false` when the client takes the whole answer at once (see {@link ModelRequest.stream}). @default true */
  readonly stream?: boolean;
}

/** A started turn: the stream to deliver, and the headers to send with it. */
export interface StartedTurn {
  readonly ok: true;
  readonly stream: ManagedStream;
  readonly cached: boolean;
  /** Rate-limit headers of the token reservation. */
  readonly headers: Readonly<Record<string, string>>;
  /** Resolves once tokens are settled and the cache written: after the stream's end. */
  readonly settled: Promise<StreamEndEvent>;
}

/** A turn refused before any model call. */
export interface RefusedTurn {
  readonly ok: false;
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the pipeline needs from the gateway. */
export interface ChatPipelineDeps {
  readonly config: GatewayConfig;
  readonly catalog: ModelCatalog;
  readonly streams: StreamManager;
  /** Serves cache hits: kept apart so replays never count as model calls or cost. */
  readonly cacheStreams: StreamManager;
  readonly cache: ResponseCache | undefined;
  readonly cacheGuard: CallGuard;
  readonly guards: GuardSource;
  readonly budget: TokenBudget;
  /** Model calls in flight per user. */
  readonly slots: ConcurrencySlots;
  /** Model calls in flight per model (each model's `concurrency`). */
  readonly modelSlots: ModelSlots;
  /** A tier's own limit of model calls in flight, when it sets one. */
  concurrencyOf(tier: string): number | undefined;
  readonly log: { warn(object: unknown, message: string): void };
}

/** Runs one chat turn: concurrency slot → token reservation → response cache → breakers and failover → stream → settle. */
export interface ChatPipeline {
  (turn: ChatTurn): Promise<StartedTurn | RefusedTurn>;
  /** Resolves once every started turn has settled its tokens and cache write (for shutdown). */
  drain(): Promise<void>;
}

/** Builds the request path shared by every chat endpoint. */
export function createChatPipeline(deps: ChatPipelineDeps): ChatPipeline {
  const { config, catalog } = deps;
  // One listener for all streams: answers are gathered for the cache by stream id (without a
  // cache there is nothing to gather, and no listener runs per chunk).
  const answers = new Map<string, string[]>();
  if (deps.cache !== undefined) {
    deps.streams.on('chunk', (event) => {
      answers.get(event.streamId)?.push(event.content);
    });
  }

  async function lookup(
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<CachedResponse | undefined> {
    const cache = deps.cache;
    if (!cache) return undefined;
    try {
      return await deps.cacheGuard.execute(() => cache.get(key), { signal });
    } catch (error) {
      // An open `cache` breaker or a Redis error makes the cache a miss, never a failed request.
      deps.log.warn({ err: error }, 'response cache lookup failed; serving from the model');
      return undefined;
    }
  }

  async function store(key: string, value: CachedResponse): Promise<void> {
    const cache = deps.cache;
    if (!cache) return;
    try {
      await deps.cacheGuard.execute(() => cache.set(key, value));
    } catch (error) {
      deps.log.warn({ err: error }, 'response cache write failed');
    }
  }

  const unsettled = new Set<Promise<unknown>>();

  const run = async (turn: ChatTurn): Promise<StartedTurn | RefusedTurn> => {
    const candidates = catalog.route(turn.model, config.failover);
    if (!candidates) {
      return {
        ok: false,
        headers: {},
        problem: problem(404, {
          code: 'model_not_found',
          param: 'model',
          detail: `The model ${JSON.stringify(turn.model)} does not exist or is not served here; GET /v1/models lists the models.`,
        }),
      };
    }
    // The model asked for must take the request as it is; failover skips models that cannot.
    const refusal = candidates[0]!.unsupported(turn.openai);
    if (refusal) {
      return {
        ok: false,
        headers: {},
        problem: problem(400, {
          code: 'unsupported_parameter',
          param: refusal.param,
          detail: refusal.message,
        }),
      };
    }
    const route = candidates.filter((model) => model.unsupported(turn.openai) === undefined);
    const first = route[0]!;
    const maxTokens = turn.maxTokens ?? first.defaultMaxTokens;
    const promptChars = turn.openai
      ? JSON.stringify(turn.openai.messages).length
      : turn.messages.reduce((sum, message) => sum + message.content.length, 0);
    // A rough input estimate (4 characters a token) plus the whole output budget.
    const estimate = Math.ceil(promptChars / 4) + maxTokens;

    const slot = await deps.slots.acquire(turn.identity, deps.concurrencyOf(turn.identity.tier));
    if (!slot.ok) return { ok: false, problem: slot.problem, headers: slot.headers };
    const releaseSlot = () => {
      slot.release().catch((error: unknown) => {
        // An unreleased lease expires on its own once it is no longer renewed.
        deps.log.warn({ err: error }, 'releasing a concurrency slot failed');
      });
    };
    const reservation = await deps.budget.reserve(turn.identity, estimate).catch((error) => {
      releaseSlot();
      throw error;
    });
    if (!reservation.ok) {
      releaseSlot();
      return { ok: false, problem: reservation.problem, headers: reservation.headers };
    }
    const releaseHold = () => {
      reservation.release().catch((error: unknown) => {
        // An unsettled hold expires on its own after the limiter's reservation TTL.
        deps.log.warn({ err: error }, 'releasing a token reservation failed');
      });
    };

    const metadata = {
      user_id: turn.identity.userId,
      tier: turn.identity.tier,
      task_type: turn.taskType,
      endpoint: turn.endpoint,
    };
    // Only answers the client made deterministic itself, never tool calls; scoped per user.
    const cacheable =
      !turn.noCache &&
      deps.cache !== undefined &&
      turn.temperature === 0 &&
      !requestsTools(turn.openai);
    const key = cacheable
      ? responseCacheKey({
          userId: turn.identity.userId,
          model: first.name,
          messages: turn.openai?.messages ?? turn.messages,
          fields: turn.openai?.fields ?? {},
          maxTokens,
          temperature: turn.temperature,
        })
      : undefined;
    const hit = key === undefined ? undefined : await lookup(key, turn.signal);

    let stream: ManagedStream;
    try {
      if (hit) {
        const source = createSimulatedSource({
          model: hit.model,
          provider: hit.provider,
          reply: {
            text: hit.text,
            inputTokens: hit.inputTokens,
            outputTokens: hit.outputTokens,
            finishReason: hit.finishReason,
          },
          chunkSize: 'word',
          maxTokens,
        });
        stream = deps.cacheStreams.stream(source, {
          signal: turn.signal,
          metadata: { ...metadata, cached: true },
        });
      } else {
        const request = {
          messages: turn.messages,
          maxTokens,
          temperature: turn.temperature,
          stream: turn.stream,
          openai: turn.openai,
        };
        const sources = route.map((model) => ({
          source: model.source(request),
          guard: deps.modelSlots.guard(model, deps.guards.guardFor(model.breakerName), {
            tokens: estimate,
          }),
        }));
        stream = deps.streams.stream(sources, { signal: turn.signal, metadata });
      }
    } catch (error) {
      releaseSlot();
      releaseHold();
      throw error;
    }

    const collect = key !== undefined && !hit;
    if (collect) answers.set(stream.id, []);

    const settled = stream.done.then(async (end) => {
      releaseSlot();
      const pieces = answers.get(stream.id);
      answers.delete(stream.id);
      const used = end.usage.inputTokens + end.usage.outputTokens;
      if (hit) await reservation.commit(0);
      else if (end.type === 'complete' || used > 0) await reservation.commit(used);
      else releaseHold();
      if (end.type === 'complete' && key !== undefined && pieces) {
        await store(key, {
          model: end.model,
          provider: end.provider,
          text: pieces.join(''),
          finishReason: end.finishReason ?? 'stop',
          inputTokens: end.usage.inputTokens,
          outputTokens: end.usage.outputTokens,
        });
      }
      return end;
    });
    const tracked = settled.catch((error: unknown) =>
      deps.log.warn({ err: error }, 'settling a chat turn failed'),
    );
    unsettled.add(tracked);
    tracked.finally(() => unsettled.delete(tracked));
    return { ok: true, stream, cached: hit !== undefined, headers: reservation.headers, settled };
  };

  return Object.assign(run, {
    async drain() {
      await Promise.all([...unsettled]);
    },
  });
}
