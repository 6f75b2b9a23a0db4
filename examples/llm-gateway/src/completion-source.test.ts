import { createStreamManager } from '@breakwater/llm-stream';
import { describe, expect, it } from 'vitest';
import { completionSource } from './completion-source.js';

describe('completionSource', () => {
  const manager = createStreamManager({ retry: false, buffer: false });

  it('streams a whole chat.completion as one chunk with the provider usage', async () => {
    const chunks: string[] = [];
    const end = await manager
      .stream(
        completionSource({
          provider: 'openai-compatible',
          model: 'm',
          maxTokens: 10,
          complete: async () => ({
            choices: [{ index: 0, message: { content: 'all at once' }, finish_reason: 'length' }],
            usage: { prompt_tokens: 3, completion_tokens: 10 },
          }),
        }),
      )
      .consume((event) => {
        if (event.type === 'chunk') chunks.push(event.content);
      });
    expect(chunks).toEqual(['all at once']);
    expect(end).toMatchObject({
      type: 'complete',
      finishReason: 'length',
      usage: { inputTokens: 3, outputTokens: 10, estimated: false },
    });
  });

  it('ends with a retryable incomplete_stream error when the answer has no finish_reason', async () => {
    const end = await manager
      .stream(
        completionSource({
          provider: 'openai-compatible',
          model: 'm',
          complete: async () => ({ choices: [{ index: 0, message: { content: 'cut' } }] }),
        }),
      )
      .consume();
    expect(end).toMatchObject({ type: 'error', retryable: true });
    expect(JSON.stringify(end)).toContain('finish_reason');
  });

  it('passes the stream signal to the call, so cancelling aborts it', async () => {
    let seen: AbortSignal | undefined;
    const stream = manager.stream(
      completionSource({
        provider: 'openai-compatible',
        model: 'm',
        complete: (signal) => {
          seen = signal;
          return new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        },
      }),
    );
    const ended = stream.consume();
    await new Promise((resolve) => setImmediate(resolve));
    stream.cancel('client_disconnected');
    expect(await ended).toMatchObject({ type: 'cancelled', reason: 'client_disconnected' });
    expect(seen?.aborted).toBe(true);
  });
});
