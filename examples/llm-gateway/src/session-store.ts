import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** One turn of a conversation. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/**
 * Conversation history of the assistant WebSocket sessions: the gateway's "database".
 * Calls go through the `database` circuit breaker and are counted as database operations.
 * Bounded by turns and bytes per session, sessions per user and (in memory) bytes in all.
 */
export interface SessionStore {
  readonly system: 'memory' | 'redis';
  /** The last turns of a session, oldest first. */
  history(userId: string, sessionId: string): Promise<ChatMessage[]>;
  /** Appends turns, then drops the oldest beyond the session's turn and byte limits. */
  append(userId: string, sessionId: string, messages: readonly ChatMessage[]): Promise<void>;
}

/** Options for {@link createSessionStore}. */
export interface SessionStoreOptions {
  /** Turns kept per session. @default 20 */
  readonly maxMessages?: number;
  /** Bytes of history kept per session; the oldest turns go first. @default 262144 */
  readonly maxSessionBytes?: number;
  /** Sessions kept per user; the least recently used goes first. @default 16 */
  readonly maxSessionsPerUser?: number;
  /** Bytes of history kept in memory in all (in-memory store only). @default 67108864 */
  readonly maxTotalBytes?: number;
  /** Idle lifetime of a session in milliseconds. @default 3600000 */
  readonly ttlMs?: number;
  readonly redis?: Pick<Redis, 'get' | 'multi' | 'zrange'>;
  /** @default 'breakwater:session:' */
  readonly prefix?: string;
}

/** Bytes a turn takes: its text as UTF-8 plus the JSON around it. */
function bytesOf(message: ChatMessage): number {
  return Buffer.byteLength(message.content) + 32;
}

/** The newest turns that fit both limits, oldest first. */
function newestWithin(
  messages: readonly ChatMessage[],
  maxMessages: number,
  maxBytes: number,
): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let bytes = 0;
  for (let index = messages.length - 1; index >= 0 && kept.length < maxMessages; index--) {
    const message = messages[index]!;
    bytes += bytesOf(message);
    if (bytes > maxBytes) break;
    kept.push(message);
  }
  return kept.reverse();
}

function totalBytes(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const message of messages) bytes += bytesOf(message);
  return bytes;
}

/** Builds the session store: Redis when a client is given, lru-cache otherwise. */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const maxMessages = options.maxMessages ?? 20;
  const maxSessionBytes = options.maxSessionBytes ?? 262_144;
  const maxSessionsPerUser = options.maxSessionsPerUser ?? 16;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const trim = (messages: readonly ChatMessage[]) =>
    newestWithin(messages, maxMessages, maxSessionBytes);
  const redis = options.redis;
  if (redis) {
    const prefix = options.prefix ?? 'breakwater:session:';
    // One hash tag per user: a user's sessions and their index share a Redis Cluster slot.
    const indexKey = (userId: string) => `${prefix}{${userId}}`;
    const sessionKey = (userId: string, sessionId: string) => `${prefix}{${userId}}:${sessionId}`;
    return {
      system: 'redis',
      async history(userId, sessionId) {
        const raw = await redis.get(sessionKey(userId, sessionId));
        return raw ? (JSON.parse(raw) as ChatMessage[]) : [];
      },
      async append(userId, sessionId, messages) {
        if (messages.length === 0) return;
        const key = sessionKey(userId, sessionId);
        const index = indexKey(userId);
        const raw = await redis.get(key);
        const next = trim([...(raw ? (JSON.parse(raw) as ChatMessage[]) : []), ...messages]);
        await redis
          .multi()
          .set(key, JSON.stringify(next), 'PX', ttlMs)
          .zadd(index, Date.now(), sessionId)
          .pexpire(index, ttlMs)
          .exec();
        // Sessions beyond the user's limit, least recently used first, are deleted.
        const evicted = await redis.zrange(index, '0', String(-(maxSessionsPerUser + 1)));
        if (evicted.length > 0) {
          await redis
            .multi()
            .del(...evicted.map((id) => sessionKey(userId, id)))
            .zrem(index, ...evicted)
            .exec();
        }
      },
    };
  }
  // Per user, session ids in least-recently-used order (a Map keeps insertion order).
  const byUser = new Map<string, Map<string, true>>();
  const keyOf = (userId: string, sessionId: string) => JSON.stringify([userId, sessionId]);
  const sessions = new LRUCache<
    string,
    { userId: string; sessionId: string; turns: ChatMessage[] }
  >({
    maxSize: options.maxTotalBytes ?? 67_108_864,
    sizeCalculation: (entry) => Math.max(1, totalBytes(entry.turns)),
    ttl: ttlMs,
    updateAgeOnGet: true,
    dispose: (entry, _key, reason) => {
      if (reason === 'set') return;
      const owned = byUser.get(entry.userId);
      owned?.delete(entry.sessionId);
      if (owned?.size === 0) byUser.delete(entry.userId);
    },
  });
  return {
    system: 'memory',
    async history(userId, sessionId) {
      return [...(sessions.get(keyOf(userId, sessionId))?.turns ?? [])];
    },
    async append(userId, sessionId, messages) {
      const key = keyOf(userId, sessionId);
      const turns = trim([...(sessions.get(key)?.turns ?? []), ...messages]);
      sessions.set(key, { userId, sessionId, turns });
      const owned = byUser.get(userId) ?? new Map<string, true>();
      byUser.set(userId, owned);
      owned.delete(sessionId);
      owned.set(sessionId, true);
      for (const oldest of owned.keys()) {
        if (owned.size <= maxSessionsPerUser) break;
        sessions.delete(keyOf(userId, oldest));
        owned.delete(oldest);
      }
    },
  };
}
