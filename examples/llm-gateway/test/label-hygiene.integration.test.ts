import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

describe('labels from requests', () => {
  const server = useGateway({
    apiKeys: [{ key: 'sk-helen', userId: 'helen', tier: 'ENTERPRISE' }],
  });

  it('records a task type outside the known set as other, never as a series of its own', async () => {
    for (const taskType of ['made-up-1', 'made-up-2', 'code']) {
      const response = await postJson(
        `${server.url}/v1/chat/completions`,
        {
          messages: [{ role: 'user', content: `task ${taskType}` }],
          metadata: { task_type: taskType },
        },
        { authorization: 'Bearer sk-helen' },
      );
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const taskTypes = new Set(
      [...text.matchAll(/^breakwater_ai_cost_usd_total\{[^}]*task_type="([^"]*)"/gm)].map(
        (match) => match[1],
      ),
    );
    expect(taskTypes).toEqual(new Set(['code', 'other']));
  });
});
