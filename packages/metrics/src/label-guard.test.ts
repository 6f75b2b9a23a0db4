import { describe, expect, it } from 'vitest';
import { assertSafeLabelName, createBoundedLabel, createModelLabeler } from './label-guard.js';

describe('createBoundedLabel', () => {
  it('keeps the first values up to the limit and maps later ones to other', () => {
    const label = createBoundedLabel(2);
    expect([label('a'), label('b'), label('c'), label('a'), label('')]).toEqual([
      'a',
      'b',
      'other',
      'a',
      'unknown',
    ]);
    expect(createBoundedLabel(5)('x'.repeat(121))).toBe('other');
  });
});

describe('createModelLabeler', () => {
  const priced = (model: string) => (model.startsWith('gpt-4o') ? 'gpt-4o' : undefined);

  it('labels allowlisted ids in the allowlist spelling, priced ids by table id, others as other', () => {
    const label = createModelLabeler(['My-Llama', /^mistral-(small|large)$/g], priced);
    expect(label('my-llama')).toBe('My-Llama');
    expect(label('MY-LLAMA')).toBe('My-Llama');
    expect(label('mistral-small')).toBe('mistral-small');
    // A global RegExp keeps no state between models.
    expect(label('mistral-large')).toBe('mistral-large');
    expect(label('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(label('gpt-4o-2099-01-01')).toBe('gpt-4o');
    expect(label('whatever')).toBe('other');
    expect(label('')).toBe('other');
  });

  it('rejects allowlist entries that are neither strings nor RegExps', () => {
    expect(() => createModelLabeler([42 as unknown as string], priced)).toThrow(TypeError);
  });
});

describe('assertSafeLabelName', () => {
  it('refuses identity and secret labels', () => {
    for (const name of ['user_id', 'userId', 'api_key', 'apiKey', 'email', 'session_id', 'token']) {
      expect(() => assertSafeLabelName(name, 'defaultLabels')).toThrow(/is refused/);
    }
  });

  it('accepts service labels and rejects invalid names', () => {
    expect(() => assertSafeLabelName('service', 'x')).not.toThrow();
    expect(() => assertSafeLabelName('deployment_env', 'x')).not.toThrow();
    expect(() => assertSafeLabelName('1bad', 'x')).toThrow(/not a valid Prometheus label name/);
    expect(() => assertSafeLabelName('__reserved', 'x')).toThrow(/not a valid/);
  });
});
