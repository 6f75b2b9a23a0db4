import type { Redis } from 'ioredis';
import { clusterSlot } from './cluster-slot.js';
import {
  type RateLimitStore,
  REPLY_HEADER,
  type StoreOperation,
  type StoreReply,
} from './rate-limit-store.js';
import {
  keysPerDecision,
  type ScriptReply,
  type TierScript,
  tierBatchScript,
  tierScript,
} from './redis-script.js';
import { PROBE_PLAN, type TierPlan } from './tier-plan.js';

/**
 * The ioredis commands the Redis store uses; an ioredis `Redis` and a `Cluster` both fit.
 * With `callBuffer` (every ioredis client has it) scripts reply with packed doubles instead of
 * an array of integers, which is cheaper to send and to parse.
 * A `status` member, when present, lets a fallback store skip a connection that is not ready.
 */
export type RedisScriptClient = Pick<Redis, 'evalsha' | 'eval' | 'del'> &
  Partial<Pick<Redis, 'callBuffer'>> & {
    readonly status?: string;
    /** True for an ioredis `Cluster`: batches are then grouped by hash slot. */
    readonly isCluster?: boolean;
  };

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected ioredis `Redis` or `Cluster`. */
  readonly client: RedisScriptClient;
  /**
   * Key prefix. A subject's keys are `{<prefix>:<key>}` and `{<prefix>:<key>}:h`: one hash tag,
   * so one Lua script can touch both on Redis Cluster.
   * @default 'rl'
   */
  readonly prefix?: string;
  /**
   * Decisions asked for in the same tick (for one tier and, on Cluster, one hash slot) go to
   * Redis together: one EVALSHA runs them one after the other, each still atomic and
   * all-or-nothing on its own. At most 100 per script run. `false` sends one EVALSHA each.
   * @default true
   */
  readonly batch?: boolean;
}

/** Most decisions one batched script run makes, so Redis is never blocked for long. */
const MAX_BATCH = 100;

interface PendingDecision {
  readonly key: string;
  readonly operation: StoreOperation;
  /** Clock override ('' = the Redis server's TIME). */
  readonly clock: number | '';
  readonly cost: number;
  readonly tokens: number;
  readonly member: string;
  readonly resolve: (reply: StoreReply) => void;
  readonly reject: (error: unknown) => void;
}

const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** The doubles of a packed script reply (little-endian, as Lua's struct packs them). */
function unpackReply(packed: Buffer): Float64Array {
  const reply = new Float64Array(packed.length >>> 3);
  if (LITTLE_ENDIAN) new Uint8Array(reply.buffer).set(packed);
  else
    for (let index = 0; index < reply.length; index++)
      reply[index] = packed.readDoubleLE(8 * index);
  return reply;
}

/** A {@link RateLimitStore} on Redis or Redis Cluster. */
export interface RedisStore extends RateLimitStore {
  readonly local: false;
  /** The key prefix. */
  readonly prefix: string;
  /** The Redis key of a subject's windows (its holds live at the same key plus `:h`). */
  keyOf(subject: string): string;
  isReady(): boolean;
  probe(): Promise<void>;
}

/**
 * Creates a store that decides on Redis: one Lua script per tier, with its windows built in,
 * checks and updates every window atomically on the Redis server's clock, in one round trip
 * (EVALSHA, reloaded with EVAL when Redis answers NOSCRIPT). Decisions of the same tick share
 * a round trip unless `batch` is false.
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
  const isCluster = client.isCluster === true;

  const keyOf = (subject: string) => `{${prefix}:${subject}}`;

  // Buffer replies keep the packed doubles intact (a string reply would be decoded as UTF-8).
  const callBuffer = client.callBuffer as
    | ((command: string, ...args: unknown[]) => Promise<unknown>)
    | undefined;
  const replyKind: ScriptReply = typeof callBuffer === 'function' ? 'packed' : 'table';

  function call(command: 'evalsha' | 'eval', script: string, keys: number, args: unknown[]) {
    if (callBuffer !== undefined) return callBuffer.call(client, command, script, keys, args);
    return command === 'evalsha'
      ? client.evalsha(script, keys, args as string[])
      : client.eval(script, keys, args as string[]);
  }

  /** Runs a script; its reply is a packed Buffer or an array of integers, per `replyKind`. */
  function run(script: TierScript, keys: number, args: Array<string | number>): Promise<unknown> {
    return (call('evalsha', script.sha, keys, args) as Promise<unknown>).catch((error: unknown) => {
      // Redis forgets scripts on restart or SCRIPT FLUSH: EVAL runs and caches it again.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
        return call('eval', script.source, keys, args);
      throw error;
    });
  }

  const toReply =
    replyKind === 'packed'
      ? (reply: unknown) => unpackReply(reply as Buffer)
      : (reply: unknown) => reply as StoreReply;

  function runOne(
    plan: TierPlan,
    key: string,
    operation: StoreOperation,
    clock: number | '',
    cost: number,
    tokens: number,
    member: string,
  ): Promise<StoreReply> {
    const args: Array<string | number> = [key];
    if (plan.hasTokens) args.push(`${key}:h`);
    args.push(operation, clock, cost, tokens, member);
    return run(tierScript(plan, replyKind), args.length - 5, args).then(toReply);
  }

  // Decisions waiting for the end of the tick, by plan, then by Cluster slot (0 otherwise).
  let waiting = new Map<TierPlan, Map<number, PendingDecision[]>>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const groups = waiting;
    waiting = new Map();
    for (const [plan, slots] of groups)
      for (const decisions of slots.values())
        for (let start = 0; start < decisions.length; start += MAX_BATCH)
          send(plan, decisions, start, Math.min(decisions.length, start + MAX_BATCH));
  }

  function send(plan: TierPlan, decisions: PendingDecision[], start: number, end: number): void {
    if (end - start === 1) {
      const { key, operation, clock, cost, tokens, member, resolve, reject } = decisions[
        start
      ] as PendingDecision;
      runOne(plan, key, operation, clock, cost, tokens, member).then(resolve, reject);
      return;
    }
    const withHolds = keysPerDecision(plan) === 2;
    const args: Array<string | number> = [];
    for (let index = start; index < end; index++) {
      const key = (decisions[index] as PendingDecision).key;
      args.push(key);
      if (withHolds) args.push(`${key}:h`);
    }
    const keys = args.length;
    for (let index = start; index < end; index++) {
      const decision = decisions[index] as PendingDecision;
      // A plain consume sends its cost alone; anything else '' and the 5 full arguments.
      if (
        decision.operation === 0 &&
        decision.member === '' &&
        decision.tokens === 0 &&
        decision.clock === ''
      )
        args.push(decision.cost);
      else
        args.push(
          '',
          decision.operation,
          decision.clock,
          decision.cost,
          decision.tokens,
          decision.member,
        );
    }
    const size = REPLY_HEADER + 3 * plan.count;
    run(tierBatchScript(plan, replyKind), keys, args).then(
      (reply) => {
        if (replyKind === 'packed') {
          const replies = unpackReply(reply as Buffer);
          for (let index = start, offset = 0; index < end; index++, offset += size)
            (decisions[index] as PendingDecision).resolve(replies.subarray(offset, offset + size));
        } else {
          const replies = reply as number[];
          for (let index = start, offset = 0; index < end; index++, offset += size)
            (decisions[index] as PendingDecision).resolve(replies.slice(offset, offset + size));
        }
      },
      (error: unknown) => {
        for (let index = start; index < end; index++)
          (decisions[index] as PendingDecision).reject(error);
      },
    );
  }

  function execute(
    subject: string,
    plan: TierPlan,
    operation: StoreOperation,
    cost: number,
    tokens: number,
    holdId: string,
  ): Promise<StoreReply> {
    const key = keyOf(subject);
    const member = holdId === '' ? '' : `${operation === 1 ? cost : tokens}:${holdId}`;
    const now = clock === undefined ? '' : clock();
    if (!batch) return runOne(plan, key, operation, now, cost, tokens, member);
    return new Promise<StoreReply>((resolve, reject) => {
      let slots = waiting.get(plan);
      if (slots === undefined) {
        slots = new Map();
        waiting.set(plan, slots);
      }
      const slot = isCluster ? clusterSlot(key) : 0;
      let decisions = slots.get(slot);
      if (decisions === undefined) {
        decisions = [];
        slots.set(slot, decisions);
      }
      decisions.push({ key, operation, clock: now, cost, tokens, member, resolve, reject });
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
    async reset(subject) {
      const key = keyOf(subject);
      await client.del(key, `${key}:h`);
    },
    isReady() {
      return client.status === undefined || client.status === 'ready';
    },
    async probe() {
      await execute('__probe__', PROBE_PLAN, 2, 1, 0, '');
    },
  };
}
