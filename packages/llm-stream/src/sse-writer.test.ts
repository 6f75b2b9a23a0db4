import { describe, expect, it } from 'vitest';
import { formatSseMessage, serializeSseEvent } from './sse-writer.js';
import { StreamError } from './stream-error.js';
import type { StreamErrorEvent } from './stream-event.js';
import { toWireEvent } from './wire-event.js';

describe('SSE encoding', () => {
  it('formats event, id and multi-line data fields', () => {
    expect(formatSseMessage({ data: 'hello' })).toBe('data: hello\n\n');
    expect(formatSseMessage({ event: 'chunk', id: '7', data: 'a\nb' })).toBe(
      'event: chunk\nid: 7\ndata: a\ndata: b\n\n',
    );
  });

  it('never sends the server-side error object (its cause may hold the provider response)', () => {
    const event: StreamErrorEvent = {
      type: 'error',
      streamId: 's',
      model: 'm',
      provider: 'p',
      code: 'UPSTREAM_ERROR',
      message: 'boom',
      retryable: true,
      usage: { inputTokens: 1, outputTokens: 2, estimated: true },
      error: new StreamError('UPSTREAM_ERROR', 'boom', {
        retryable: true,
        attempts: 1,
        cause: { secret: 'sk-123' },
      }),
    };
    expect(toWireEvent(event)).not.toHaveProperty('error');
    const text = serializeSseEvent(event);
    expect(text.startsWith('event: error\ndata: {')).toBe(true);
    expect(text).not.toContain('sk-123');
    expect(JSON.parse(text.slice(text.indexOf('{')))).toEqual({
      type: 'error',
      stream_id: 's',
      model: 'm',
      provider: 'p',
      code: 'UPSTREAM_ERROR',
      message: 'boom',
      retryable: true,
      usage: { input_tokens: 1, output_tokens: 2, estimated: true },
    });
  });
});
