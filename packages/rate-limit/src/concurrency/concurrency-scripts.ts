import { createHash } from 'node:crypto';

/** A Lua script and its SHA1, for EVALSHA. */
export interface ConcurrencyScript {
  readonly source: string;
  readonly sha: string;
}

function scriptOf(lines: readonly string[]): ConcurrencyScript {
  const source = lines.join('\n');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The Redis server's clock in epoch milliseconds, so processes never compare their own clocks. */
const NOW = [
  "local time = redis.call('TIME')",
  'local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)',
];

/** The key lives exactly as long as its latest lease: nothing is left behind once all expire. */
const EXPIRE_WITH_LATEST_LEASE = [
  "local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
  "if latest[2] then redis.call('PEXPIREAT', KEYS[1], latest[2]) end",
];

/**
 * KEYS: the key's sorted set of lease ids scored by expiry (epoch ms).
 * ARGV: lease id, limit, lease milliseconds.
 * Reply: `{acquired (1|0), inFlight, nextExpiryMs}`.
 */
export const ACQUIRE_SCRIPT = scriptOf([
  ...NOW,
  "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
  "local count = redis.call('ZCARD', KEYS[1])",
  'local leaseMs = tonumber(ARGV[3])',
  // A retried acquire of an id already held only renews it, even when the key is full.
  "if count < tonumber(ARGV[2]) or redis.call('ZSCORE', KEYS[1], ARGV[1]) then",
  "  count = count + redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1])",
  // The key lives as long as its latest lease: nothing is left behind once all expire.
  "  if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end",
  '  return {1, count, 0}',
  'end',
  "local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')",
  'return {0, count, tonumber(earliest[2]) - now}',
]);

/**
 * KEYS: the key's sorted set. ARGV: lease milliseconds, then the lease ids to extend.
 * Reply: the ids that were no longer held.
 */
export const RENEW_SCRIPT = scriptOf([
  ...NOW,
  "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
  'local expiresAt = now + tonumber(ARGV[1])',
  'local lost = {}',
  'for index = 2, #ARGV do',
  "  if redis.call('ZSCORE', KEYS[1], ARGV[index]) then",
  "    redis.call('ZADD', KEYS[1], expiresAt, ARGV[index])",
  '  else',
  '    lost[#lost + 1] = ARGV[index]',
  '  end',
  'end',
  ...EXPIRE_WITH_LATEST_LEASE,
  'return lost',
]);

/** KEYS: the key's sorted set. Reply: how many leases are live (read-only). */
export const IN_FLIGHT_SCRIPT = scriptOf([
  ...NOW,
  "return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')",
]);
