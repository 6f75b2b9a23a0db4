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
 */
export interface SessionStore {
  readonly system: 'memory' | 'redis';
  /** The last turns of a session, oldest first. */
  history(sessionId: string): Promise<ChatMessage[]>;
  /** Appends turns, keeping only the newest {@link SessionStoreOptions.maxMessages}. */
  append(sessionId: string, messages: readonly ChatMessage[]): Promise<void>;
}

/** Options for {@link createSessionStore}. */
export interface SessionStoreOptions {
  /** Turns kept per session. @default 20 */
  readonly maxMessages?: number;
  /** Idle lifetime of a session in milliseconds. @default 3600000 */
  readonly ttlMs?: number;
  /** Sessions kept in memory. @default 10000 */
  readonly maxSessions?: number;
  readonly redis?: Pick<Redis, 'lrange' | 'multi'>;
  /** @default 'breakwater:session:' */
  readonly prefix?: string;
}

/** Builds the session store: Redis lists when a client is given, lru-cache otherwise. */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const maxMessages = options.maxMessages ?? 20;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const redis = options.redis;
  if (redis) {
    const prefix = options.prefix ?? 'breakwater:session:';
    return {
      system: 'redis',
      async history(sessionId) {
        const raw = await redis.lrange(prefix + sessionId, 0, -1);
        return raw.map((item) => JSON.parse(item) as ChatMessage);
      },
      async append(sessionId, messages) {
        if (messages.length === 0) return;
        const key = prefix + sessionId;
        await redis
          .multi()
          .rpush(key, ...messages.map((message) => JSON.stringify(message)))
          .ltrim(key, -maxMessages, -1)
          .pexpire(key, ttlMs)
          .exec();
      },
    };
  }
  const sessions = new LRUCache<string, ChatMessage[]>({
    max: options.maxSessions ?? 10_000,
    ttl: ttlMs,
    updateAgeOnGet: true,
  });
  return {
    system: 'memory',
    async history(sessionId) {
      return [...(sessions.get(sessionId) ?? [])];
    },
    async append(sessionId, messages) {
      const next = [...(sessions.get(sessionId) ?? []), ...messages].slice(-maxMessages);
      sessions.set(sessionId, next);
    },
  };
}
