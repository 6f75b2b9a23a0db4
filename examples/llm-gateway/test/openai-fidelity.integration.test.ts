import { useFakeLlmServer } from '@breakwater/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { testPrices, useGateway } from './helpers.js';

const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: weatherParameters,
      strict: true,
    },
  },
];

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'developer', content: 'Answer briefly.' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'What is in this picture, and the weather in Paris?' },
      {
        type: 'image_url',
        image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
      },
    ],
  },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: 'call_a',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ],
  },
  { role: 'tool', tool_call_id: 'call_a', content: '{"sky":"clear"}' },
];

describe('OpenAI fidelity: request fields, models, errors and the response cache', () => {
  const upstream = useFakeLlmServer();
  const server = useGateway(() => ({
    apiKeys: [
      { key: 'sk-pia', userId: 'pia', tier: 'PRO' },
      { key: 'sk-quinn', userId: 'quinn', tier: 'PRO' },
    ],
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
      { name: 'mock', provider: 'mock', mock: { ttftMs: 0, tokensPerSecond: 0, outputTokens: 8 } },
    ],
    env: {
      UP_KEY: 'sk-upstream',
      OPENAI_URL: upstream.openaiBaseURL,
      ANTHROPIC_URL: upstream.anthropicBaseURL,
      GEMINI_URL: upstream.geminiBaseUrl,
    },
  }));
  const client = (apiKey = 'sk-pia') =>
    new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

  it.each(['gpt', 'compatible'])(
    'passes every field it does not own to %s unchanged, streaming and not',
    async (model) => {
      const extra = {
        tools,
        tool_choice: 'auto' as const,
        parallel_tool_calls: false,
        response_format: { type: 'json_object' as const },
        reasoning_effort: 'low' as const,
        seed: 7,
        stop: ['END'],
        logprobs: true,
        top_logprobs: 2,
        user: 'end-user-9',
        temperature: 0.3,
      };
      await client().chat.completions.create({
        model,
        messages,
        max_completion_tokens: 100,
        ...extra,
      });
      const stream = await client().chat.completions.create({
        model,
        messages,
        stream: true,
        ...extra,
      });
      for await (const _chunk of stream) {
        // drain
      }
      for (const request of upstream.requests) {
        expect(request.body).toMatchObject({ ...extra, messages, model });
        expect(request.body.max_completion_tokens).toEqual(expect.any(Number));
      }
      expect(upstream.requests).toHaveLength(2);
    },
  );

  it('lists and describes models in OpenAI shape', async () => {
    const listed = [];
    for await (const model of client().models.list()) listed.push(model);
    expect(listed.map((model) => model.id)).toEqual([
      'gpt',
      'compatible',
      'claude',
      'gemini',
      'mock',
    ]);
    expect(listed[0]).toMatchObject({ object: 'model', owned_by: 'openai' });
    expect(await client().models.retrieve('mock')).toMatchObject({ id: 'mock', object: 'model' });
    const missing = await client()
      .models.retrieve('nope')
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('errors carry OpenAI error objects: the SDK reports the real message and code', async () => {
    const error = (await client()
      .chat.completions.create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.NotFoundError>;
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe('model_not_found');
    expect(error.param).toBe('model');
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('does not exist or is not served here');
    const unauthorized = (await client('sk-wrong')
      .models.list()
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(unauthorized.code).toBe('invalid_api_key');
    expect(unauthorized.message).toContain('The API key is not valid.');
  });

  it('translates tools, tool history, images and stop sequences to Anthropic', async () => {
    await client().chat.completions.create({
      model: 'claude',
      messages,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      stop: 'END',
      user: 'end-user-9',
    });
    const body = upstream.requests[0]!.body;
    expect(body).toMatchObject({
      system: 'Answer briefly.',
      stop_sequences: ['END'],
      metadata: { user_id: 'end-user-9' },
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      tools: [
        {
          name: 'get_weather',
          description: 'Weather of a city',
          input_schema: weatherParameters,
        },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and the weather in Paris?' },
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'call_a', content: '{"sky":"clear"}' }],
        },
      ],
    });
  });

  it('translates tools, tool history, images and JSON output to Gemini', async () => {
    await client().chat.completions.create({
      model: 'gemini',
      messages,
      tools,
      tool_choice: 'required',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' } },
      },
      seed: 3,
    });
    const body = upstream.requests[0]!.body;
    expect(body).toMatchObject({
      systemInstruction: { parts: [{ text: 'Answer briefly.' }] },
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
        seed: 3,
      },
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather of a city',
              parametersJsonSchema: weatherParameters,
            },
          ],
        },
      ],
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in this picture, and the weather in Paris?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'model',
          parts: [{ functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris' } } }],
        },
        {
          role: 'user',
          parts: [
            {
              functionResponse: { id: 'call_a', name: 'get_weather', response: { sky: 'clear' } },
            },
          ],
        },
      ],
    });
  });

  it('refuses what a provider cannot take with a 400 naming the field, before any upstream call', async () => {
    const refusal = async (body: OpenAI.ChatCompletionCreateParamsNonStreaming) =>
      (await client()
        .chat.completions.create(body)
        .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    const json = await refusal({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
    });
    expect(json).toBeInstanceOf(OpenAI.BadRequestError);
    expect(json.code).toBe('unsupported_parameter');
    expect(json.param).toBe('response_format');
    const audio = await refusal({
      model: 'gemini',
      messages: [
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }],
        },
      ],
    });
    expect(audio.param).toBe('messages[0].content[0]');
    const unknownField = await refusal({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
    });
    expect(unknownField.param).toBe('logprobs');
    expect(upstream.requests).toHaveLength(0);
  });

  it('caches only explicit temperature 0, never tool requests, and per user', async () => {
    const ask = (apiKey: string, body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) =>
      client(apiKey).chat.completions.create({
        model: 'gpt',
        messages: [{ role: 'user', content: 'cache scope?' }],
        ...body,
      });
    await ask('sk-pia', {});
    await ask('sk-pia', {});
    expect(upstream.requests).toHaveLength(2);
    await ask('sk-pia', { temperature: 0 });
    await ask('sk-pia', { temperature: 0 });
    expect(upstream.requests).toHaveLength(3);
    // Another user asking the same gets no hit on pia's answer.
    await ask('sk-quinn', { temperature: 0 });
    expect(upstream.requests).toHaveLength(4);
    await ask('sk-pia', { temperature: 0, tools });
    await ask('sk-pia', { temperature: 0, tools });
    expect(upstream.requests).toHaveLength(6);
  });
});
