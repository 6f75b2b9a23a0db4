import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

describe('task types: free labels on every route, bounded metric series', () => {
  const server = useGateway({
    apiKeys: [{ key: 'sk-tess', userId: 'tess', tier: 'PRO' }],
    taskTypes: { allow: ['chat'], budget: 1 },
  });
  const auth = { authorization: 'Bearer sk-tess' };

  it('keeps allowed labels and the budget, folds the rest into other', async () => {
    for (const taskType of ['chat', 'strategy_audit', 'label-2', 'label-3']) {
      const response = await postJson(
        `${server.url}/v1/chat/completions`,
        { messages: [{ role: 'user', content: 'hi' }], metadata: { task_type: taskType } },
        auth,
      );
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const labels = new Set([...metrics.matchAll(/task_type="([^"]+)"/g)].map((match) => match[1]));
    expect([...labels].sort()).toEqual(['chat', 'other', 'strategy_audit']);
  });

  it('refuses labels outside the rule on the OpenAI route too', async () => {
    const response = await postJson(
      `${server.url}/v1/chat/completions`,
      { messages: [{ role: 'user', content: 'hi' }], metadata: { task_type: 'no spaces' } },
      auth,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
  });
});
