import { useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { testPrices, useGateway } from './helpers.js';

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

const scenario = {
  parts: [
    { type: 'reasoning' as const, text: ['Weather ', 'needs a tool.'], signature: 'sig-1' },
    {
      type: 'tool-call' as const,
      id: 'call_p',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      fragments: 3,
    },
    {
      type: 'tool-call' as const,
      id: 'call_l',
      name: 'get_weather',
      arguments: '{"city":"Lyon"}',
      fragments: 2,
    },
  ],
  finishReason: 'tool_calls' as const,
};

interface Call {
  id?: string;
  name?: string;
  arguments: string;
}

describe('tool calls and reasoning come back in OpenAI chunk shapes, from every provider', () => {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [{ key: 'sk-vera', userId: 'vera', tier: 'ENTERPRISE' }],
    cache: { enabled: false, maxEntries: 1, ttlMs: 1 },
    retry: false,
    failover: false,
    prices: testPrices({
      gpt: 'openai',
      compatible: 'openai',
      claude: 'anthropic',
      gemini: 'gcp.gemini',
    }),
    models: [
      { name: 'gpt', provider: 'openai', apiKeyEnv: 'UP_KEY', baseUrlEnv: 'OPENAI_URL' },
      {
        name: 'compatible',
        provider: 'openai-compatible',
        apiKeyEnv: 'UP_KEY',
        baseUrlEnv: 'OPENAI_URL',
      },
      { name: 'claude', provider: 'anthropic', apiKeyEnv: 'UP_KEY', baseUrlEnv: 'ANTHROPIC_URL' },
      { name: 'gemini', provider: 'gemini', apiKeyEnv: 'UP_KEY', baseUrlEnv: 'GEMINI_URL' },
    ],
    env: {
      UP_KEY: 'sk-upstream',
      OPENAI_URL: upstream.openaiBaseURL,
      ANTHROPIC_URL: upstream.anthropicBaseURL,
      GEMINI_URL: upstream.geminiBaseUrl,
    },
  }));
  const client = () =>
    new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-vera', maxRetries: 0 });
  const ask = {
    messages: [{ role: 'user' as const, content: 'Weather in Paris and Lyon?' }],
    tools,
  };

  it.each(['gpt', 'compatible', 'claude', 'gemini'])(
    'streams tool-call deltas keyed by index from %s',
    async (model) => {
      upstream.enqueue(scenario);
      const stream = await client().chat.completions.create({ model, ...ask, stream: true });
      const calls: Call[] = [];
      let reasoning = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        finish = choice.finish_reason ?? finish;
        reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
        for (const delta of choice.delta.tool_calls ?? []) {
          if (delta.id !== undefined) {
            // The first fragment of a call: id, type, name and empty arguments, as OpenAI sends it.
            expect(delta).toMatchObject({ type: 'function', function: { arguments: '' } });
            calls[delta.index] = { id: delta.id, name: delta.function?.name, arguments: '' };
          }
          calls[delta.index]!.arguments += delta.function?.arguments ?? '';
        }
      }
      expect(finish).toBe('tool_calls');
      expect(calls.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
        ['get_weather', { city: 'Paris' }],
        ['get_weather', { city: 'Lyon' }],
      ]);
      expect(calls.every((call) => /^[\w-]+$/.test(call.id ?? ''))).toBe(true);
      expect(reasoning).toBe('Weather needs a tool.');
    },
  );

  it.each(['gpt', 'claude'])(
    'answers tool calls whole without streaming from %s',
    async (model) => {
      upstream.enqueue(scenario);
      const completion = await client().chat.completions.create({ model, ...ask });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(
        choice.message.tool_calls?.map(
          (call) => call.type === 'function' && JSON.parse(call.function.arguments),
        ),
      ).toEqual([{ city: 'Paris' }, { city: 'Lyon' }]);
      expect((choice.message as { reasoning_content?: string }).reasoning_content).toBe(
        'Weather needs a tool.',
      );
    },
  );
});
