import { describe, expect, it } from 'vitest';
import { startFakeLlmServer } from './fake-llm-server.js';
import { useFakeLlmServer } from './fake-llm-server-hooks.js';

// Raw HTTP checks of the wire formats; the llm-stream adapter tests drive the same server with the real SDKs.
function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

const openaiAuth = { authorization: 'Bearer test' };
const anthropicAuth = { 'x-api-key': 'test' };
const geminiAuth = { 'x-goog-api-key': 'test' };

function sseEvents(text: string) {
  return text
    .split(/\r?\n\r?\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
      return { event, data };
    });
}

describe('fake LLM server', () => {
  const server = useFakeLlmServer();

  it('streams OpenAI chat chunks, the usage chunk only when asked, then [DONE]', async () => {
    const withUsage = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'gpt-4o', messages: [], stream: true, stream_options: { include_usage: true } },
      openaiAuth,
    );
    expect(withUsage.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames = sseEvents(await withUsage.text());
    expect(frames.at(-1)!.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 6 },
    });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');

    const withoutUsage = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'gpt-4o', messages: [], stream: true },
      openaiAuth,
    );
    const plain = sseEvents(await withoutUsage.text())
      .slice(0, -1)
      .map((frame) => JSON.parse(frame.data));
    expect(plain.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('streams Anthropic named events in the documented order, pings included', async () => {
    server.enqueue({ chunks: ['a', 'b'], pingEveryChunks: 1 });
    const response = await post(
      `${server.anthropicBaseURL}/v1/messages`,
      { model: 'claude', max_tokens: 10, messages: [], stream: true },
      anthropicAuth,
    );
    const frames = sseEvents(await response.text());
    expect(frames.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'ping',
      'content_block_delta',
      'ping',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const frame of frames) expect(JSON.parse(frame.data).type).toBe(frame.event);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('streams Responses API events with increasing sequence numbers', async () => {
    const response = await post(
      `${server.openaiBaseURL}/responses`,
      { model: 'gpt-4.1', input: 'x', stream: true },
      openaiAuth,
    );
    const frames = sseEvents(await response.text());
    expect(frames[0]!.event).toBe('response.created');
    expect(frames.at(-1)!.event).toBe('response.completed');
    const numbers = frames.map((frame) => JSON.parse(frame.data).sequence_number);
    expect(numbers).toEqual(numbers.map((_, index) => index));
  });

  it('streams Gemini as CRLF-delimited SSE with alt=sse and as a JSON array without', async () => {
    const sse = await post(
      `${server.geminiBaseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      { contents: [] },
      geminiAuth,
    );
    const body = await sse.text();
    expect(body).toContain('\r\n\r\n');
    const chunks = sseEvents(body).map((frame) => JSON.parse(frame.data));
    expect(chunks.map((chunk) => chunk.usageMetadata.candidatesTokenCount)).toEqual([
      1, 2, 3, 4, 5, 6, 6,
    ]);
    expect(chunks.at(-1).candidates[0].finishReason).toBe('STOP');

    const array = await post(
      `${server.geminiBaseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent`,
      { contents: [] },
      geminiAuth,
    );
    const parsed = JSON.parse(await array.text());
    expect(parsed).toHaveLength(7);
    expect(server.requests.map((request) => request.model)).toEqual([
      'gemini-2.5-flash',
      'gemini-2.5-flash',
    ]);
  });

  it('answers the non-streaming endpoints with one JSON body', async () => {
    server.setDefault({ chunks: ['Hi', '!'], usage: { inputTokens: 3, outputTokens: 2 } });
    const chat = await (
      await post(
        `${server.openaiBaseURL}/chat/completions`,
        { model: 'm', messages: [] },
        openaiAuth,
      )
    ).json();
    expect(chat).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'Hi!' } }],
      usage: { total_tokens: 5 },
    });
    const responses = await (
      await post(`${server.openaiBaseURL}/responses`, { model: 'm', input: 'x' }, openaiAuth)
    ).json();
    expect(responses).toMatchObject({
      object: 'response',
      status: 'completed',
      output: [{ content: [{ text: 'Hi!' }] }],
    });
    const message = await (
      await post(
        `${server.anthropicBaseURL}/v1/messages`,
        { model: 'm', messages: [] },
        anthropicAuth,
      )
    ).json();
    expect(message).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'Hi!' }],
      stop_reason: 'end_turn',
    });
    const gemini = await (
      await post(
        `${server.geminiBaseUrl}/v1beta/models/g:generateContent`,
        { contents: [] },
        geminiAuth,
      )
    ).json();
    expect(gemini).toMatchObject({
      candidates: [{ content: { parts: [{ text: 'Hi!' }] }, finishReason: 'STOP' }],
    });
    expect(server.requests.map((request) => request.stream)).toEqual([false, false, false, false]);
  });

  it('renders HTTP errors with each provider body and the scripted headers', async () => {
    const error = { httpError: { status: 429, retryAfterSeconds: 4, retryAfterMs: 3500 } } as const;
    server.enqueue(error, error, error);
    const openai = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'm' },
      openaiAuth,
    );
    expect(openai.status).toBe(429);
    expect(openai.headers.get('retry-after')).toBe('4');
    expect(openai.headers.get('retry-after-ms')).toBe('3500');
    expect(await openai.json()).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded' },
    });
    const anthropic = await post(
      `${server.anthropicBaseURL}/v1/messages`,
      { model: 'm' },
      anthropicAuth,
    );
    expect(await anthropic.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
    const gemini = await post(
      `${server.geminiBaseUrl}/v1beta/models/g:generateContent`,
      {},
      geminiAuth,
    );
    expect(await gemini.json()).toMatchObject({
      error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ retryDelay: '4s' }] },
    });
  });

  it('answers 401 without credentials and 404 for unknown routes', async () => {
    const unauthenticated = await post(`${server.anthropicBaseURL}/v1/messages`, { model: 'm' });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: { type: 'authentication_error' } });
    const missing = await post(`${server.url}/v2/unknown`, {}, openaiAuth);
    expect(missing.status).toBe(404);
  });

  it('picks scenarios from the queue first, then from the default or a factory', async () => {
    server.setDefault((request) => ({ chunks: [request.model === 'a' ? 'from-a' : 'other'] }));
    server.enqueue({ chunks: ['queued'] });
    const ask = async (model: string) =>
      (
        await (
          await post(
            `${server.openaiBaseURL}/chat/completions`,
            { model, messages: [] },
            openaiAuth,
          )
        ).json()
      ).choices[0].message.content;
    expect(await ask('b')).toBe('queued');
    expect(await ask('a')).toBe('from-a');
    expect(await ask('b')).toBe('other');
    expect((await server.waitForRequests(3)).map((request) => request.index)).toEqual([0, 1, 2]);
  });

  it('records a client that closes the connection before the end', async () => {
    server.enqueue({ chunks: ['a', 'b', 'c'], chunkDelayMs: 20, hangAfterChunks: 2 });
    const controller = new AbortController();
    const response = await post(
      `${server.anthropicBaseURL}/v1/messages`,
      { model: 'm', messages: [], stream: true },
      anthropicAuth,
      controller.signal,
    );
    const reader = response.body!.getReader();
    await reader.read();
    const [request] = await server.waitForRequests(1);
    expect(request!.state).toBe('open');
    controller.abort();
    await expect(request!.finished).resolves.toBe('client-closed');
    expect(request!.chunksSent).toBeLessThanOrEqual(2);
  });

  it('rejects invalid scenarios with a precise message', () => {
    expect(() => server.enqueue({ chunkDelayMs: -1 })).toThrow(
      new RangeError('chunkDelayMs must be a finite number ≥ 0, got -1'),
    );
    expect(() => server.setDefault({ httpError: { status: 200 } })).toThrow(
      new RangeError('httpError.status must be 400-599, got 200'),
    );
  });

  it('rejects a scenario with both chunks and parts', () => {
    expect(() => server.enqueue({ chunks: ['a'], parts: [{ type: 'text', text: 'a' }] })).toThrow(
      new TypeError('a scenario has chunks or parts, not both'),
    );
  });

  it('adds scripted headers to a 200 answer, streamed or not', async () => {
    const headers = { 'x-ratelimit-remaining-requests': '42' };
    server.enqueue({ headers }, { headers });
    const streamed = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'gpt-4o', messages: [], stream: true },
      openaiAuth,
    );
    expect(streamed.headers.get('x-ratelimit-remaining-requests')).toBe('42');
    await streamed.text();
    const whole = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'gpt-4o', messages: [] },
      openaiAuth,
    );
    expect(whole.headers.get('x-ratelimit-remaining-requests')).toBe('42');
  });

  it('splits a tool call into its fragments and numbers parallel calls by index (OpenAI chat)', async () => {
    server.enqueue({
      parts: [
        { type: 'tool-call', id: 'call_a', name: 'f', arguments: '{"x":12345}', fragments: 4 },
        { type: 'tool-call', id: 'call_b', name: 'g', arguments: '{}' },
      ],
      finishReason: 'tool_calls',
    });
    const response = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'gpt-4o', messages: [], stream: true },
      openaiAuth,
    );
    const chunks = sseEvents(await response.text())
      .slice(0, -1)
      .map((frame) => JSON.parse(frame.data));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'call_a',
      type: 'function',
      function: { name: 'f', arguments: '' },
    });
    const fragments = calls.filter((call) => call.index === 0).slice(1);
    expect(fragments).toHaveLength(4);
    expect(fragments.map((call) => call.function.arguments).join('')).toBe('{"x":12345}');
    expect(calls.filter((call) => call.index === 1)[0]).toMatchObject({ id: 'call_b' });
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('times out waiting for requests that never come', async () => {
    await expect(server.waitForRequests(1, 20)).rejects.toThrow('0 of 1 requests after 20 ms');
  });
});

describe('startFakeLlmServer', () => {
  it('closes open responses and itself, and works with await using', async () => {
    const server = await startFakeLlmServer({ defaultScenario: { hangAfterChunks: 0 } });
    const response = await post(
      `${server.openaiBaseURL}/chat/completions`,
      { model: 'm', stream: true },
      openaiAuth,
    );
    const [request] = await server.waitForRequests(1);
    const reading = response.text().catch((error: unknown) => error);
    await server.close();
    await expect(request!.finished).resolves.toBe('server-closed');
    expect(await reading).toBeInstanceOf(Error);
  });
});
