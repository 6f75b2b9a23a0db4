import { describe, expect, it } from 'vitest';
import { normalizeFinishReason } from './normalize-finish-reason.js';

describe('normalizeFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['completed', 'stop'],
    ['max_output_tokens', 'length'],
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['something-new', 'other'],
  ] as const)('maps %s to %s', (raw, normalized) => {
    expect(normalizeFinishReason(raw)).toBe(normalized);
  });
});
