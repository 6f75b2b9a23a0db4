import { clusterSlot } from './cluster-slot.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { PolicyDecision } from './rate-limit-decision.js';
import type {
  RateLimitStore,
  StoreReply,
  StoreRequest,
  StoreResetOptions,
} from './rate-limit-store.js';
import {
  HOLD_OUTCOMES,
  keysPerDecision,
  OPERATION_CODE,
  REPLY_HEADER,
  type ScriptReply,
  type TierScript,
  tierBatchScript,
  tierScript,
} from './redis-script.js';
import { StoreNotReadyError } from './store-not-ready-error.js';
import { isStoreTimeoutError } from './store-timeout-error.js';
import { StoreUnavailableError } from './store-unavailable-error.js';
import { probeRequest, type TierPlan } from './tier-plan.js';

/**
 * The Redis commands the store uses, typed structurally: an ioredis `Redis` and a `Cluster`
 * both fit, and nothing here needs ioredis' types. With `callBuffer` (every ioredis client has
 * it) scripts reply with packed doubles instead of an array of integers, which is cheaper to
 * send and to parse.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  callBuffer?(command: string, ...args: unknown[]): Promise<unknown>;
  /** The connection state (ioredis: `ready`, `reconnecting`, `end`…), when the client has one. */
  readonly status?: string;
  /** True for an ioredis `Cluster`: batches are then grouped by hash slot. */
  readonly isCluster?: boolean;
}

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected ioredis `Redis` or `Cluster`. */
  readonly client: RedisScriptClient;
  /**
   * Key prefix. A subject's keys are `{<prefix>:<key>}` and `{<prefix>:<key>}:h`: one hash tag,
   * so one Lua script can touch both on Redis Cluster.
   * @default 'rl'
   */
  readonly prefix?: string | undefined;
  /**
   * Decisions asked for in the same tick (for one tier and, on Cluster, one hash slot) go to
   * Redis together: one EVALSHA runs them one after the other, each still atomic and
   * all-or-nothing on its own. At most 100 per script run. `false` sends one EVALSHA each.
   * @default true
   */
  readonly batch?: boolean | undefined;
  /**
   * How long a store call (a decision, a settle, a quota read, a reset) may wait for Redis
   * before it rejects with `StoreTimeoutError`; the limiter then follows its `failMode`. Time
   * the event loop spends blocked elsewhere is not counted against it. The client's own
   * retries and offline queue run underneath; their late outcome is ignored.
   * @default 500
   */
  readonly commandTimeoutMs?: number | undefined;
}

/** A {@link RateLimitStore} on Redis or Redis Cluster. */
export interface RedisStore extends RateLimitStore {
  readonly local: false;
  execute(request: StoreRequest): Promise<StoreReply>;
  reset(subject: string, options?: StoreResetOptions): Promise<void>;
  /** The key prefix. */
  readonly prefix: string;
  /** The Redis key of a subject's windows (its holds live at the same key plus `:h`). */
  keyOf(subject: string): string;
  isReady(): boolean;
  probe(subject: string): Promise<void>;
}

/** Most decisions one batched script run makes, so Redis is never blocked for long. */
const MAX_BATCH = 100;
/** Connection states in which a command would only wait in the client's offline queue. */
const DOWN_STATES = new Set(['reconnecting', 'close', 'end']);

interface PendingCall {
  readonly key: string;
  readonly request: StoreRequest;
  /** Clock override ('' = the Redis server's TIME). */
  readonly clock: number | '';
  readonly resolve: (reply: StoreReply) => void;
  readonly reject: (error: unknown) => void;
}

const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** The doubles of a packed script reply (little-endian, as Lua's struct packs them). */
function unpackDoubles(packed: Buffer): Float64Array {
  const doubles = new Float64Array(packed.length >>> 3);
  if (LITTLE_ENDIAN) new Uint8Array(doubles.buffer).set(packed);
  else
    for (let index = 0; index < doubles.length; index++)
      doubles[index] = packed.readDoubleLE(8 * index);
  return doubles;
}

/** Reads one reply of `plan` at `offset` of a script's numbers: the one place replies are decoded. */
function decodeReply(plan: TierPlan, numbers: ArrayLike<number>, offset: number): StoreReply {
  const windows = plan.windows;
  const policies: PolicyDecision[] = new Array(windows.length);
  for (let index = 0; index < windows.length; index++) {
    const window = windows[index]!;
    const at = offset + REPLY_HEADER + 3 * index;
    const retryAfterMs = numbers[at + 2]!;
    policies[index] = {
      name: window.name,
      unit: window.unit,
      limit: window.limit,
      remaining: numbers[at]!,
      windowMs: window.windowMs,
      resetAt: numbers[at + 1]!,
      allowed: retryAfterMs === 0,
      retryAfterMs,
    };
  }
  return {
    allowed: numbers[offset] === 1,
    now: numbers[offset + 1]!,
    heldTokens: numbers[offset + 2]!,
    hold: HOLD_OUTCOMES[numbers[offset + 3]!] ?? 'settled',
    policies,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/**
 * Creates a store that decides on Redis: one Lua script per tier, with its windows built in,
 * checks and updates every window atomically on the Redis server's clock, in one round trip
 * (EVALSHA, reloaded with EVAL when Redis answers NOSCRIPT). Decisions of the same tick share
 * a round trip unless `batch` is false. Every call settles within `commandTimeoutMs`.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return createRedisStoreInternal(options, undefined);
}

/**
 * {@link createRedisStore} with the script's clock replaced (tests only: it lets a property
 * test compare Redis with memory at the same instants).
 * @internal
 */
export function createRedisStoreInternal(
  options: RedisStoreOptions,
  clock: (() => number) | undefined,
): RedisStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createRedisStore needs an options object with a client');
  const { client } = options;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function'
  )
    throw new TypeError('client must be an ioredis Redis or Cluster (evalsha and eval needed)');
  const prefix = options.prefix ?? 'rl';
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new TypeError(`prefix must be a string without braces, got ${String(prefix)}`);
  const batch = options.batch ?? true;
  if (typeof batch !== 'boolean') throw new TypeError(`batch must be a boolean, got ${batch}`);
  const commandTimeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 500);
  const deadlines = new DeadlineQueue(commandTimeoutMs);
  const isCluster = client.isCluster === true;
  const keyOf = (subject: string) => `{${prefix}:${subject}}`;
  // Buffer replies keep the packed doubles intact (a string reply would be decoded as UTF-8).
  const replyKind: ScriptReply = typeof client.callBuffer === 'function' ? 'packed' : 'table';

  /** A client command, bounded by the timeout; client errors become StoreUnavailableError. */
  function bounded<T>(send: () => Promise<T>): Promise<T> {
    if (client.status !== undefined && DOWN_STATES.has(client.status))
      return Promise.reject(new StoreNotReadyError());
    let sent: Promise<T>;
    try {
      sent = send();
    } catch (error) {
      return Promise.reject(new StoreUnavailableError(error));
    }
    return deadlines.wrap(sent).catch((error: unknown) => {
      throw isStoreTimeoutError(error) ? error : new StoreUnavailableError(error);
    });
  }

  function call(command: 'evalsha' | 'eval', script: string, keys: number, args: unknown[]) {
    if (client.callBuffer !== undefined) return client.callBuffer(command, script, keys, ...args);
    const values = args as Array<string | number>;
    return command === 'evalsha'
      ? client.evalsha(script, keys, ...values)
      : client.eval(script, keys, ...values);
  }

  /** Runs a script; its reply is a packed Buffer or an array of integers, per `replyKind`. */
  function run(script: TierScript, keys: number, args: unknown[]): Promise<ArrayLike<number>> {
    return bounded(() =>
      call('evalsha', script.sha, keys, args).catch((error: unknown) => {
        // Redis forgets scripts on restart or SCRIPT FLUSH: EVAL runs and caches it again.
        if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
          return call('eval', script.source, keys, args);
        throw error;
      }),
    ).then((reply) =>
      replyKind === 'packed' ? unpackDoubles(reply as Buffer) : (reply as number[]),
    );
  }

  /** The script arguments of one call: operation, clock, cost, tokens, hold member. */
  function argumentsOf(pending: PendingCall): Array<string | number> {
    const { request } = pending;
    const amount = request.operation === 'settle' ? request.cost : request.tokens;
    const member = request.holdId === '' ? '' : `${amount}:${request.holdId}`;
    return [OPERATION_CODE[request.operation], pending.clock, request.cost, request.tokens, member];
  }

  function runOne(plan: TierPlan, pending: PendingCall): void {
    const keys: string[] = [pending.key];
    if (plan.hasTokens) keys.push(`${pending.key}:h`);
    run(tierScript(plan, replyKind), keys.length, [...keys, ...argumentsOf(pending)]).then(
      (numbers) => pending.resolve(decodeReply(plan, numbers, 0)),
      pending.reject,
    );
  }

  function runBatch(plan: TierPlan, calls: readonly PendingCall[]): void {
    const withHolds = keysPerDecision(plan) === 2;
    const args: Array<string | number> = [];
    for (const pending of calls) {
      args.push(pending.key);
      if (withHolds) args.push(`${pending.key}:h`);
    }
    const keys = args.length;
    for (const pending of calls) {
      const { request } = pending;
      // A plain consume sends its cost alone; anything else '' and the 5 full arguments.
      if (
        request.operation === 'consume' &&
        request.holdId === '' &&
        request.tokens === 0 &&
        pending.clock === ''
      )
        args.push(request.cost);
      else args.push('', ...argumentsOf(pending));
    }
    const size = REPLY_HEADER + 3 * plan.windows.length;
    run(tierBatchScript(plan, replyKind), keys, args).then(
      (numbers) => {
        calls.forEach((pending, index) => {
          pending.resolve(decodeReply(plan, numbers, index * size));
        });
      },
      (error: unknown) => {
        for (const pending of calls) pending.reject(error);
      },
    );
  }

  // Calls waiting for the end of the tick, by plan, then by Cluster slot (0 otherwise).
  let waiting = new Map<TierPlan, Map<number, PendingCall[]>>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const groups = waiting;
    waiting = new Map();
    for (const [plan, slots] of groups)
      for (const calls of slots.values())
        for (let start = 0; start < calls.length; start += MAX_BATCH) {
          const group = calls.slice(start, start + MAX_BATCH);
          if (group.length === 1) runOne(plan, group[0]!);
          else runBatch(plan, group);
        }
  }

  function execute(request: StoreRequest): Promise<StoreReply> {
    return new Promise<StoreReply>((resolve, reject) => {
      const key = keyOf(request.subject);
      const pending: PendingCall = {
        key,
        request,
        clock: clock === undefined ? '' : clock(),
        resolve,
        reject,
      };
      if (!batch) {
        runOne(request.plan, pending);
        return;
      }
      let slots = waiting.get(request.plan);
      if (slots === undefined) {
        slots = new Map();
        waiting.set(request.plan, slots);
      }
      const slot = isCluster ? clusterSlot(key) : 0;
      let calls = slots.get(slot);
      if (calls === undefined) {
        calls = [];
        slots.set(slot, calls);
      }
      calls.push(pending);
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    });
  }

  return {
    local: false,
    prefix,
    keyOf,
    execute,
    async reset(subject, resetOptions) {
      resetOptions?.signal?.throwIfAborted();
      const key = keyOf(subject);
      await bounded(() => client.del(key, `${key}:h`));
    },
    isReady() {
      return client.status === undefined || client.status === 'ready';
    },
    async probe(subject) {
      await execute(probeRequest(subject));
    },
  };
}
