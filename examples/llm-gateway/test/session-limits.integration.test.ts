import { useRedis } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { type ChatMessage, createSessionStore, type SessionStore } from '../src/session-store.js';

const big = (index: number): ChatMessage[] => [
  { role: 'user', content: `${index} ${'u'.repeat(100_000)}` },
  { role: 'assistant', content: `${index} ${'a'.repeat(100_000)}` },
];

const limits = { maxMessages: 20, maxSessionBytes: 262_144, maxSessionsPerUser: 4 };

/** Bytes of a session's turns as the store counts them. */
const bytesOf = (turns: readonly ChatMessage[]) =>
  turns.reduce((sum, turn) => sum + Buffer.byteLength(turn.content) + 32, 0);

async function floodOneUser(store: SessionStore, userId: string) {
  for (let session = 0; session < 10; session++) {
    for (let turn = 0; turn < 5; turn++) await store.append(userId, `s${session}`, big(turn));
  }
}

async function expectBounded(store: SessionStore, userId: string) {
  let sessions = 0;
  for (let session = 0; session < 10; session++) {
    const history = await store.history(userId, `s${session}`);
    if (history.length > 0) sessions++;
    expect(bytesOf(history)).toBeLessThanOrEqual(limits.maxSessionBytes);
  }
  expect(sessions).toBeLessThanOrEqual(limits.maxSessionsPerUser);
  // The newest session keeps its newest turns.
  const newest = await store.history(userId, 's9');
  expect(newest.at(-1)?.content.startsWith('4 ')).toBe(true);
}

describe('session history is bounded by bytes per session and sessions per user', () => {
  it('in memory, and in total', async () => {
    const store = createSessionStore({ ...limits, maxTotalBytes: 1_000_000 });
    await floodOneUser(store, 'ursula');
    await expectBounded(store, 'ursula');
    // Other users fill the total: the oldest sessions go, the total stays under its bound.
    for (let user = 0; user < 10; user++) await floodOneUser(store, `user-${user}`);
    let total = 0;
    for (let user = 0; user < 10; user++) {
      for (let session = 0; session < 10; session++) {
        total += bytesOf(await store.history(`user-${user}`, `s${session}`));
      }
    }
    expect(total).toBeLessThanOrEqual(1_000_000);
    expect(total).toBeGreaterThan(0);
  });

  describe('in Redis', () => {
    const redis = useRedis();
    it('per session and per user', async () => {
      const store = createSessionStore({ ...limits, redis: redis.client, prefix: redis.prefix });
      await floodOneUser(store, 'ursula');
      await expectBounded(store, 'ursula');
      const keys = await redis.client.keys(`${redis.prefix}*`);
      // Four sessions and the user's index.
      expect(keys).toHaveLength(limits.maxSessionsPerUser + 1);
    });
  });
});
