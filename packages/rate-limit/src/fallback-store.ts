import { DeadlineQueue } from './deadline-queue.js';
import { createMemoryStore, type MemoryStore } from './memory-store.js';
import type {
  RateLimitStore,
  StoreOperation,
  StoreReply,
  StoreStatusEvent,
} from './rate-limit-store.js';
import { StoreNotReadyError } from './store-not-ready-error.js';
import { PROBE_PLAN, type TierPlan } from './tier-plan.js';

/** Options for {@link createFallbackStore}. */
export interface FallbackStoreOptions {
  /** The store to use while it answers, usually a Redis store. */
  readonly primary: RateLimitStore;
  /**
   * How long a primary call may take before the decision is made locally instead.
   * @default 250
   */
  readonly timeoutMs?: number;
  /**
   * The local store used while the primary is down.
   * @default createMemoryStore({ max: 10_000 })
   */
  readonly fallback?: MemoryStore;
  /**
   * Expected number of instances sharing the primary: while on the fallback, each instance
   * allows `limit / instances` (at least 1) so the fleet as a whole stays near the limit.
   * @default 1
   */
  readonly instances?: number;
  /**
   * Least time between two recovery probes of the primary while on the fallback.
   * @default 1_000
   */
  readonly probeIntervalMs?: number;
  /**
   * Clock in epoch milliseconds (timeouts and probe spacing). Read fresh on purpose: a reading
   * cached for the turn could start a deadline early and fall back for no reason.
   * @default Date.now
   */
  readonly clock?: () => number;
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
 * answers again (`fallback-recovered`). Counts made locally are not copied back.
 */
export function createFallbackStore(options: FallbackStoreOptions): FallbackStore {
  const primary = options.primary;
  if (typeof primary !== 'object' || primary === null || typeof primary.execute !== 'function')
    throw new TypeError('primary must be a rate-limit store');
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? 250);
  const instances = positiveInteger('instances', options.instances ?? 1);
  const probeIntervalMs = positiveInteger('probeIntervalMs', options.probeIntervalMs ?? 1_000);
  const clock = options.clock ?? Date.now;
  // The local store's windows may use the per-turn clock: a decision, not a deadline.
  const fallback = options.fallback ?? createMemoryStore({ max: 10_000, clock: options.clock });
  const deadlines = new DeadlineQueue(timeoutMs, clock);
  const listeners = new Set<(event: StoreStatusEvent) => void>();
  let engaged = false;
  let probing = false;
  let nextProbeAt = 0;

  function announce(event: StoreStatusEvent): void {
    for (const listener of listeners) listener(event);
  }

  function engage(error: unknown): void {
    if (engaged) return;
    engaged = true;
    nextProbeAt = clock() + probeIntervalMs;
    announce({ type: 'fallback-engaged', error });
  }

  function probe(): void {
    if (probing || clock() < nextProbeAt || primary.isReady?.() === false) return;
    probing = true;
    nextProbeAt = clock() + probeIntervalMs;
    const check = primary.probe
      ? primary.probe()
      : Promise.resolve(primary.execute('__probe__', PROBE_PLAN, 2, 1, 0, ''));
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

  function local(
    subject: string,
    plan: TierPlan,
    operation: StoreOperation,
    cost: number,
    tokens: number,
    holdId: string,
  ): StoreReply {
    return fallback.execute(subject, plan.scaled(instances), operation, cost, tokens, holdId);
  }

  return {
    local: false,
    fallback,
    get engaged() {
      return engaged;
    },
    execute(subject, plan, operation, cost, tokens, holdId) {
      if (engaged) {
        probe();
        return local(subject, plan, operation, cost, tokens, holdId);
      }
      if (primary.isReady?.() === false) {
        engage(new StoreNotReadyError());
        return local(subject, plan, operation, cost, tokens, holdId);
      }
      let result: StoreReply | Promise<StoreReply>;
      try {
        result = primary.execute(subject, plan, operation, cost, tokens, holdId);
      } catch (error) {
        engage(error);
        return local(subject, plan, operation, cost, tokens, holdId);
      }
      if (!isPromiseLike(result)) return result;
      return deadlines.wrap(Promise.resolve(result)).then(undefined, (error: unknown) => {
        engage(error);
        // Copied: the local reply is a reused buffer and this one is read a tick later.
        return Array.from(local(subject, plan, operation, cost, tokens, holdId));
      });
    },
    async reset(subject) {
      fallback.reset(subject);
      await primary.reset(subject);
    },
    onStatusChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

function isPromiseLike(
  value: StoreReply | PromiseLike<StoreReply>,
): value is PromiseLike<StoreReply> {
  return typeof (value as PromiseLike<StoreReply>).then === 'function';
}
