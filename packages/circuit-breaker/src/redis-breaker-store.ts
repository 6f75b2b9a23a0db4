import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import type {
  BreakerStateStore,
  SharedBreakerState,
  SharedBreakerView,
} from './breaker-state-store.js';

/**
 * The Redis commands the store uses. An ioredis `Redis` or `Cluster` fits, and so does any
 * client with the same two methods.
 */
export interface RedisScriptClient {
  /** Runs a cached Lua script by its SHA1 (`EVALSHA`). */
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** Runs a Lua script (`EVAL`), used when the script is not cached yet. */
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Options for {@link createRedisBreakerStore}. */
export interface RedisBreakerStoreOptions {
  /** A connected ioredis `Redis` or `Cluster` (or another client with `evalsha` and `eval`). */
  readonly client: RedisScriptClient;
  /**
   * Prefix of every key. Each breaker uses one hash, `<prefix>{breaker:<name>}`, whose hash
   * tag keeps it on one Redis Cluster slot.
   * @default 'breakwater:cb:'
   */
  readonly prefix?: string;
  /**
   * Identifies this process among the instances.
   * @default a random UUID
   */
  readonly instanceId?: string;
  /**
   * Distinct instances that must trip within `voteWindowMs` before the shared circuit opens
   * for everyone. An instance's own trip always opens its own breaker. `1` lets any single
   * instance open the circuit for all.
   * @default 2
   */
  readonly quorum?: number;
  /**
   * How long an instance's trip counts as a vote, in milliseconds.
   * @default 60_000
   */
  readonly voteWindowMs?: number;
  /**
   * How often the shared state is read, in milliseconds: the bound on how long other
   * instances take to follow a shared open or close. One timer per store, whatever the
   * number of breakers.
   * @default 1_000
   */
  readonly syncIntervalMs?: number;
  /**
   * Longest wait for one Redis call, in milliseconds; past it the store counts Redis as lost
   * and breakers carry on locally.
   * @default 500
   */
  readonly commandTimeoutMs?: number;
  /**
   * Time to live of a breaker's hash after its last change, so abandoned names disappear.
   * @default 86_400_000
   */
  readonly keyTtlMs?: number;
}

/** Events of the Redis store. */
export interface RedisBreakerStoreEvents {
  /** Redis failed or timed out; breakers now decide locally. */
  'fallback-engaged': (event: { error: unknown }) => void;
  /** Redis answers again; breakers follow the shared state again. */
  'fallback-recovered': (event: Record<string, never>) => void;
}

/** A {@link BreakerStateStore} in Redis. Create one with {@link createRedisBreakerStore}. */
export interface RedisBreakerStore
  extends BreakerStateStore,
    EventEmitter<RedisBreakerStoreEvents> {
  /** Whether Redis is currently considered lost (breakers decide locally). */
  readonly degraded: boolean;
  /** Reads the shared state of every attached breaker now, instead of waiting for the timer. */
  sync(): Promise<void>;
  /** Stops the sync timer. */
  dispose(): void;
}

// One atomic script per operation; it reads the server clock so instances' clocks never matter.
const SCRIPT = `
local key = KEYS[1]
local op = ARGV[1]
local id = ARGV[2]
local ms = tonumber(ARGV[3])
local quorum = tonumber(ARGV[4])
local voteWindow = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local extra = ARGV[7]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HGET', key, 'state') or 'CLOSED'
local untilMs = tonumber(redis.call('HGET', key, 'until') or '0')
local owner = redis.call('HGET', key, 'owner') or ''
local changed = false

local function votes(prune)
  local fields = redis.call('HGETALL', key)
  local count = 0
  for index = 1, #fields, 2 do
    local field = fields[index]
    if string.sub(field, 1, 2) == 'v:' then
      if tonumber(fields[index + 1]) >= now - voteWindow then
        count = count + 1
      elseif prune then
        redis.call('HDEL', key, field)
      end
    end
  end
  return count
end

local function set(nextState, nextUntil, nextOwner)
  state = nextState
  untilMs = nextUntil
  owner = nextOwner
  redis.call('HSET', key, 'state', nextState, 'until', nextUntil, 'owner', nextOwner)
  changed = true
end

local function clearVotes()
  local fields = redis.call('HKEYS', key)
  for _, field in ipairs(fields) do
    if string.sub(field, 1, 2) == 'v:' then redis.call('HDEL', key, field) end
  end
end

-- The instance that opens the shared circuit (or reopens it with a failed probe) keeps the
-- first probe after the open period: it has the traffic. Others may take the lease once
-- that reservation (extra, in ms after the open period) has passed unclaimed.
if op == 'open' then
  redis.call('HSET', key, 'v:' .. id, now)
  changed = true
  if state == 'HALF_OPEN' and owner == id then
    set('OPEN', now + ms, id)
  elseif state == 'CLOSED' and votes(true) >= quorum then
    set('OPEN', now + ms, id)
  end
elseif op == 'probe' then
  local reserved = tonumber(extra)
  if (state == 'OPEN' and now >= untilMs and (owner == '' or owner == id or now >= untilMs + reserved))
    or (state == 'HALF_OPEN' and (owner == id or now >= untilMs)) then
    set('HALF_OPEN', now + ms, id)
  end
elseif op == 'result' then
  if state == 'HALF_OPEN' and owner == id then
    if extra == '1' then
      clearVotes()
      set('CLOSED', 0, '')
    else
      set('OPEN', now + ms, id)
    end
  elseif extra == '1' then
    redis.call('HDEL', key, 'v:' .. id)
    changed = true
  end
elseif op == 'override' then
  if extra == 'CLOSED' then
    redis.call('DEL', key)
    state = 'CLOSED'
    untilMs = 0
    owner = ''
  else
    clearVotes()
    set(extra, 0, '')
  end
end
if changed then redis.call('PEXPIRE', key, ttl) end
local remaining = 0
if state == 'OPEN' or state == 'HALF_OPEN' then remaining = math.max(0, untilMs - now) end
local mine = 0
if owner == id then mine = 1 end
return {state, remaining, mine, votes(false)}
`;

const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');
const STATES = new Set<SharedBreakerState>([
  'CLOSED',
  'OPEN',
  'HALF_OPEN',
  'FORCED_OPEN',
  'DISABLED',
]);

/**
 * Creates a Redis-backed {@link BreakerStateStore}: pass it as `store` to a breaker (or in a
 * registry's `defaults`) and breakers with the same name share state across processes.
 *
 * - Calls through a CLOSED breaker never touch Redis; only transitions do, plus one read
 *   per breaker every `syncIntervalMs`.
 * - The rule against one bad instance: an instance's own failures open its own breaker at
 *   once, and vote; the shared circuit opens for all when `quorum` instances voted within
 *   `voteWindowMs`. Others follow within `syncIntervalMs`.
 * - When the shared open period ends, one instance in the cluster holds the probe lease and
 *   probes; the others stay open until it closes or reopens the circuit.
 * - If Redis fails or is slower than `commandTimeoutMs`, nothing throws: breakers carry on
 *   with their local state and follow the shared state again once Redis answers.
 *
 * @example
 * const store = createRedisBreakerStore({ client: new Redis(process.env.REDIS_URL) });
 * const breakers = createBreakerRegistry({ defaults: { store } });
 */
export function createRedisBreakerStore(options: RedisBreakerStoreOptions): RedisBreakerStore {
  return new RedisBreakerStoreImpl(options);
}

class RedisBreakerStoreImpl
  extends EventEmitter<RedisBreakerStoreEvents>
  implements RedisBreakerStore
{
  readonly instanceId: string;
  private readonly client: RedisScriptClient;
  private readonly prefix: string;
  private readonly quorum: number;
  private readonly voteWindowMs: number;
  private readonly syncIntervalMs: number;
  private readonly commandTimeoutMs: number;
  private readonly keyTtlMs: number;
  private readonly followers = new Map<string, Set<(view: SharedBreakerView) => void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private syncing = false;
  private lost = false;

  constructor(options: RedisBreakerStoreOptions) {
    super();
    const client = options.client as Partial<RedisScriptClient> | undefined;
    if (!client || typeof client.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new TypeError(
        'client must be an ioredis Redis or Cluster (evalsha and eval are required)',
      );
    }
    this.client = options.client;
    this.prefix = options.prefix ?? 'breakwater:cb:';
    if (typeof this.prefix !== 'string') {
      throw new TypeError(`prefix must be a string, got ${typeof this.prefix}`);
    }
    if (this.prefix.includes('{')) {
      throw new RangeError(
        `prefix must not contain "{" (it would replace the hash tag), got ${this.prefix}`,
      );
    }
    this.instanceId = options.instanceId ?? randomUUID();
    if (typeof this.instanceId !== 'string' || this.instanceId === '') {
      throw new TypeError(
        `instanceId must be a non-empty string, got ${JSON.stringify(this.instanceId)}`,
      );
    }
    this.quorum = integer('quorum', options.quorum ?? 2, 1);
    this.voteWindowMs = integer('voteWindowMs', options.voteWindowMs ?? 60_000, 1);
    this.syncIntervalMs = integer('syncIntervalMs', options.syncIntervalMs ?? 1_000, 1);
    this.commandTimeoutMs = integer('commandTimeoutMs', options.commandTimeoutMs ?? 500, 1);
    this.keyTtlMs = integer('keyTtlMs', options.keyTtlMs ?? 86_400_000, 1);
  }

  get degraded(): boolean {
    return this.lost;
  }

  /** The hash of one breaker; the hash tag keeps it on one cluster slot. */
  key(name: string): string {
    return `${this.prefix}{breaker:${name}}`;
  }

  attach(name: string, onView: (view: SharedBreakerView) => void): () => void {
    let listeners = this.followers.get(name);
    if (!listeners) {
      listeners = new Set();
      this.followers.set(name, listeners);
    }
    listeners.add(onView);
    if (!this.timer) {
      this.timer = setInterval(() => void this.sync(), this.syncIntervalMs);
      this.timer.unref?.();
    }
    return () => {
      listeners.delete(onView);
      if (listeners.size === 0) this.followers.delete(name);
      if (this.followers.size === 0) this.stopTimer();
    };
  }

  reportOpen(name: string, openMs: number): Promise<SharedBreakerView | undefined> {
    return this.run(name, 'open', openMs, '');
  }

  acquireProbe(name: string, leaseMs: number): Promise<SharedBreakerView | undefined> {
    return this.run(name, 'probe', leaseMs, String(this.reservationMs()));
  }

  /**
   * How long after the open period the opener's claim on the first probe holds in Redis: the
   * opener may start it without asking for `syncIntervalMs`, and its claim may take up to
   * `commandTimeoutMs` to arrive.
   */
  private reservationMs(): number {
    return this.syncIntervalMs + this.commandTimeoutMs;
  }

  reportProbeResult(
    name: string,
    closed: boolean,
    openMs: number,
  ): Promise<SharedBreakerView | undefined> {
    return this.run(name, 'result', openMs, closed ? '1' : '0');
  }

  override(
    name: string,
    state: 'CLOSED' | 'FORCED_OPEN' | 'DISABLED',
  ): Promise<SharedBreakerView | undefined> {
    return this.run(name, 'override', 0, state);
  }

  async sync(): Promise<void> {
    if (this.syncing || this.followers.size === 0) return;
    this.syncing = true;
    try {
      // While Redis is lost, one read per tick is enough to notice it is back.
      const names = this.lost
        ? [this.followers.keys().next().value as string]
        : [...this.followers.keys()];
      await Promise.all(
        names.map(async (name) => {
          const view = await this.run(name, 'read', 0, '', true);
          if (!view) return;
          for (const listener of this.followers.get(name) ?? []) listener(view);
        }),
      );
    } finally {
      this.syncing = false;
    }
  }

  dispose(): void {
    this.stopTimer();
    this.followers.clear();
  }

  private stopTimer() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async run(
    name: string,
    op: 'open' | 'probe' | 'result' | 'override' | 'read',
    ms: number,
    extra: string,
    healthCheck = false,
  ): Promise<SharedBreakerView | undefined> {
    // Lost Redis: answer at once so breakers fall back to local state without waiting.
    if (this.lost && !healthCheck) return undefined;
    const args = [
      op,
      this.instanceId,
      Math.max(0, Math.round(ms)),
      this.quorum,
      this.voteWindowMs,
      this.keyTtlMs,
      extra,
    ];
    try {
      const reply = await this.withTimeout(this.evaluate(this.key(name), args));
      const view = parseView(reply, this.syncIntervalMs);
      if (this.lost) {
        this.lost = false;
        this.emit('fallback-recovered', {});
      }
      return view;
    } catch (error) {
      if (!this.lost) {
        this.lost = true;
        this.emit('fallback-engaged', { error });
      }
      return undefined;
    }
  }

  private async evaluate(key: string, args: Array<string | number>): Promise<unknown> {
    try {
      return await this.client.evalsha(SCRIPT_SHA, 1, key, ...args);
    } catch (error) {
      if (!String((error as Error | undefined)?.message).includes('NOSCRIPT')) throw error;
      return this.client.eval(SCRIPT, 1, key, ...args);
    }
  }

  private withTimeout<T>(pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.commandTimeoutMs} ms`)),
        this.commandTimeoutMs,
      );
      timer.unref?.();
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function parseView(reply: unknown, reservedAfterOpenMs: number): SharedBreakerView {
  if (!Array.isArray(reply) || reply.length < 4) {
    throw new TypeError(`unexpected reply from the breaker script: ${JSON.stringify(reply)}`);
  }
  const [state, remainingMs, owner, votes] = reply as [unknown, unknown, unknown, unknown];
  const text = String(state) as SharedBreakerState;
  if (!STATES.has(text)) throw new TypeError(`unexpected shared breaker state: ${text}`);
  const probeOwner = Number(owner) === 1;
  const view = { state: text, remainingMs: Number(remainingMs), probeOwner, votes: Number(votes) };
  return probeOwner && text === 'OPEN'
    ? { ...view, reservedMs: view.remainingMs + reservedAfterOpenMs }
    : view;
}

function integer(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer ≥ ${minimum}, got ${String(value)}`);
  }
  return value;
}
