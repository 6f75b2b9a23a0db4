import type { StreamChunkEvent } from '@breakwater/llm-stream';
import { describe, expect, it } from 'vitest';
import { createOpenAIChunkSerializer } from './openai-wire.js';

function chunkEvent(content: string, model = 'gpt-4o-mini'): StreamChunkEvent {
  return {
    type: 'chunk',
    streamId: 'str_1',
    model,
    provider: 'openai',
    chunkNumber: 1,
    content,
    tokensInChunk: 1,
    totalTokens: 1,
    elapsedSeconds: 0.1,
    progressPercent: null,
    timestamp: 0,
  };
}

describe('createOpenAIChunkSerializer', () => {
  it('frames each chunk as one chat.completion.chunk, whatever characters its content holds', () => {
    const serialize = createOpenAIChunkSerializer({ includeUsage: false, created: 1_700_000_000 });
    for (const content of ['plain', 'say "hi"\n\tthen \\ leave', '</script>\u2028é😀', '']) {
      for (const model of ['gpt-4o-mini', 'od"d\\model']) {
        const frame = serialize(chunkEvent(content, model));
        expect(frame).toBe(
          `data: ${JSON.stringify({
            id: 'chatcmpl-str_1',
            object: 'chat.completion.chunk',
            created: 1_700_000_000,
            model,
            system_fingerprint: null,
            choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
          })}\n\n`,
        );
        expect(JSON.parse(frame!.slice('data: '.length)).choices[0].delta.content).toBe(content);
      }
    }
  });
});
