import { LRUCache } from 'lru-cache';
import { DeadlineQueue } from './deadline-queue.js';
import { createMemoryStore, type MemoryStore, memoryStoreInternals } from './memory-store.js';
import type { PolicyDecision } from './rate-limit-decision.js';
import type {
  RateLimitStore,
  StoreReply,
  StoreRequest,
  StoreStatusEvent,
} from './rate-limit-store.js';
import { StoreNotReadyError } from './store-not-ready-error.js';
import { PROBE_PLAN, probeRequest } from './tier-plan.js';

/** Options for {@link createFallbackStore}. */
export interface FallbackStoreOptions {
  /** The store to use while it answers, usually a Redis store. */
  readonly primary: RateLimitStore;
  /**
   * How long a primary call may take before the decision is made locally instead. Time the
   * event loop spends blocked elsewhere does not count: a timer that fires late first lets
   * replies that arrived meanwhile be read.
   * @default 250
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The local store used while the primary is down.
   * @default createMemoryStore({ max: 10_000 })
   */
  readonly fallback?: MemoryStore | undefined;
  /**
   * Expected number of instances sharing the primary: while on the fallback, each instance
   * allows `limit / instances` (at least 1) so the fleet as a whole stays near the limit.
   * @default 1
   */
  readonly instances?: number | undefined;
  /**
   * Least time between two recovery probes of the primary while on the fallback.
   * @default 1_000
   */
  readonly probeIntervalMs?: number | undefined;
  /**
   * Clock in epoch milliseconds (timeouts, probe spacing, and the default local store).
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
}

/** A {@link RateLimitStore} that falls back to a bounded local store while its primary fails. */
export interface FallbackStore extends RateLimitStore {
  readonly local: false;
  /** Whether decisions are currently made on the fallback store. */
  readonly engaged: boolean;
  /** The local store used while the primary is down. */
  readonly fallback: MemoryStore;
  onStatusChange(listener: (event: StoreStatusEvent) => void): () => void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/**
 * Wraps a primary store: when it errors, times out or reports it is not ready, decisions
 * continue on a bounded local store (and a `fallback-engaged` status is announced); a
 * background probe, at most once per `probeIntervalMs`, switches back once the primary
 * answers again for the subject that failed (`fallback-recovered`). Local counters start from
 * the last state the primary reported for each recently seen subject, so a subject Redis had
 * exhausted stays exhausted; counts made locally are not copied back.
 */
export function createFallbackStore(options: FallbackStoreOptions): FallbackStore {
  const primary = options.primary;
  if (typeof primary !== 'object' || primary === null || typeof primary.execute !== 'function')
    throw new TypeError('primary must be a rate-limit store');
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? 250);
  const instances = positiveInteger('instances', options.instances ?? 1);
  const probeIntervalMs = positiveInteger('probeIntervalMs', options.probeIntervalMs ?? 1_000);
  const clock = options.clock ?? Date.now;
  const fallback = options.fallback ?? createMemoryStore({ max: 10_000, clock });
  const seeding = memoryStoreInternals(fallback);
  // What the primary last said about each recently seen subject, bounded like the fallback.
  const lastKnown = new LRUCache<string, LastKnown>({ max: fallback.max });
  const deadlines = new DeadlineQueue(timeoutMs, clock);
  const listeners = new Set<(event: StoreStatusEvent) => void>();
  let engaged = false;
  let probing = false;
  let nextProbeAt = 0;
  // A subject whose primary call failed: the probe asks for its slot, not a healthy one.
  let probeSubject = '__probe__';

  function announce(event: StoreStatusEvent): void {
    for (const listener of listeners) listener(event);
  }

  function engage(error: unknown, subject: string): void {
    probeSubject = subject;
    if (engaged) return;
    engaged = true;
    // Local counts from an earlier outage are stale: start again from what the primary said.
    fallback.clear();
    nextProbeAt = clock() + probeIntervalMs;
    announce({ type: 'fallback-engaged', error });
  }

  function probe(): void {
    if (probing || clock() < nextProbeAt || primary.isReady?.() === false) return;
    probing = true;
    nextProbeAt = clock() + probeIntervalMs;
    const subject = probeSubject;
    const check = primary.probe
      ? primary.probe(subject)
      : Promise.resolve(primary.execute(probeRequest(subject)));
    deadlines.wrap<unknown>(check).then(
      () => {
        probing = false;
        if (!engaged) return;
        engaged = false;
        announce({ type: 'fallback-recovered' });
      },
      () => {
        probing = false;
      },
    );
  }

  function local(request: StoreRequest): StoreReply {
    const plan = request.plan.scaled(instances);
    const known = lastKnown.get(request.subject);
    if (known !== undefined && seeding !== undefined) {
      lastKnown.delete(request.subject);
      if (known.layout === plan.layout)
        seeding.seed(
          request.subject,
          plan,
          known.policies.map((policy, index) => {
            // The subject's used share of each window, in this instance's divided limit.
            const limit = plan.windows[index]?.limit ?? 0;
            return Math.min(
              limit,
              Math.ceil(((policy.limit - policy.remaining) * limit) / policy.limit),
            );
          }),
        );
    }
    return fallback.execute({ ...request, plan });
  }

  function remember(request: StoreRequest, reply: StoreReply): StoreReply {
    if (request.plan !== PROBE_PLAN)
      lastKnown.set(request.subject, { layout: request.plan.layout, policies: reply.policies });
    return reply;
  }

  return {
    local: false,
    fallback,
    get engaged() {
      return engaged;
    },
    execute(request) {
      if (engaged) {
        probe();
        return local(request);
      }
      if (primary.isReady?.() === false) {
        engage(new StoreNotReadyError(), request.subject);
        return local(request);
      }
      let result: StoreReply | Promise<StoreReply>;
      try {
        result = primary.execute(request);
      } catch (error) {
        engage(error, request.subject);
        return local(request);
      }
      if (!isPromiseLike(result)) return remember(request, result);
      return deadlines.wrap(result).then(
        (reply) => remember(request, reply),
        (error: unknown) => {
          engage(error, request.subject);
          return local(request);
        },
      );
    },
    async reset(subject, resetOptions) {
      fallback.reset(subject);
      lastKnown.delete(subject);
      await deadlines.wrap(Promise.resolve(primary.reset(subject, resetOptions)));
    },
    onStatusChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

interface LastKnown {
  readonly layout: string;
  readonly policies: readonly PolicyDecision[];
}

function isPromiseLike(
  value: StoreReply | PromiseLike<StoreReply>,
): value is PromiseLike<StoreReply> {
  return typeof (value as PromiseLike<StoreReply>).then === 'function';
}
