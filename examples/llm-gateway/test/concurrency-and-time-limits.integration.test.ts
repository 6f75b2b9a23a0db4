import { describe, expect, it } from 'vitest';
import { fastMock, postJson, useGateway } from './helpers.js';

describe('per-user concurrency slots and stream time limits', () => {
  const server = useGateway({
    apiKeys: [{ key: 'sk-wren', userId: 'wren', tier: 'SOLO' }],
    models: [
      fastMock('slow', { tokensPerSecond: 40, outputTokens: 12 }),
      fastMock('stalled', { ttftMs: 5_000 }),
    ],
    failover: false,
    retry: false,
    concurrency: { perUser: 8, maxWaitMs: 20 },
    tiers: { SOLO: { requestsPerMinute: 10_000, tokensPerDay: 10_000_000, concurrency: 1 } },
    streamLimits: { firstTokenTimeoutMs: 100, idleTimeoutMs: 60_000, deadlineMs: 900_000 },
  });
  const ask = (model: string) =>
    postJson(
      `${server.url}/v1/chat/completions`,
      { model, messages: [{ role: 'user', content: 'hi' }] },
      { authorization: 'Bearer sk-wren' },
    );

  it("refuses a call beyond the user's slots with 429, and frees the slot when the stream ends", async () => {
    const [first, second] = await Promise.all([ask('slow'), ask('slow')]);
    const statuses = [first!.status, second!.status].sort();
    expect(statuses).toEqual([200, 429]);
    const refused = first!.status === 429 ? first! : second!;
    expect(await refused.json()).toMatchObject({ code: 'concurrency_limit', status: 429 });
    await first!.arrayBuffer().catch(() => undefined);
    await second!.arrayBuffer().catch(() => undefined);
    const after = await ask('slow');
    await after.arrayBuffer();
    expect(after.status).toBe(200);
  });

  it('ends a call whose first token does not come in time', async () => {
    const response = await ask('stalled');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'first_token_timeout' });
    const after = await ask('slow');
    await after.arrayBuffer();
    expect(after.status).toBe(200);
  });
});
