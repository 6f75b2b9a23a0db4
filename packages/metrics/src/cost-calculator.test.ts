import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCostCalculator } from './cost-calculator.js';
import { DEFAULT_PRICE_TABLE, PRICE_TABLE_DATE } from './price-table.js';

describe('createCostCalculator', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prices input, output, cache reads and cache writes per token', () => {
    const calculator = createCostCalculator({ onUnknownModel: () => {} });
    // claude-sonnet-4-5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million.
    const cost = calculator.costOf('claude-sonnet-4-5', {
      inputTokens: 10_000,
      outputTokens: 1_000,
      cacheReadTokens: 6_000,
      cacheWriteTokens: 2_000,
    });
    const expected = (2_000 * 3 + 6_000 * 0.3 + 2_000 * 3.75 + 1_000 * 15) / 1e6;
    expect(cost).toBeCloseTo(expected, 12);
    expect(calculator.costOf('gpt-4o', { inputTokens: 1000, outputTokens: 200 })).toBeCloseTo(
      0.0045,
      12,
    );
  });

  it('resolves date suffixes, provider prefixes and Vertex versions to the table id', () => {
    const calculator = createCostCalculator();
    expect(calculator.resolve('gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
    expect(calculator.resolve('gpt-4o-mini-2024-07-18')?.model).toBe('gpt-4o-mini');
    expect(calculator.resolve('claude-3-5-haiku-20241022')?.model).toBe('claude-3-5-haiku');
    expect(calculator.resolve('claude-sonnet-4-5@20250929')?.model).toBe('claude-sonnet-4-5');
    expect(calculator.resolve('models/gemini-2.5-flash')?.model).toBe('gemini-2.5-flash');
    expect(calculator.resolve('gemini-3.1-pro-preview')?.model).toBe('gemini-3.1-pro');
    expect(calculator.resolve('openai/GPT-5.4-mini')?.model).toBe('gpt-5.4-mini');
    expect(calculator.resolve('llama-3.1-70b')).toBeUndefined();
  });

  it('covers OpenAI, Anthropic and Google with all four prices, dated', () => {
    expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const providers = new Set(Object.values(DEFAULT_PRICE_TABLE).map((price) => price.provider));
    expect([...providers].sort()).toEqual(['anthropic', 'gcp.gemini', 'openai']);
    for (const price of Object.values(DEFAULT_PRICE_TABLE)) {
      expect(price.inputPerToken).toBeGreaterThan(0);
      expect(price.outputPerToken).toBeGreaterThan(price.inputPerToken);
      expect(price.cacheReadPerToken).toBeLessThanOrEqual(price.inputPerToken);
      expect(price.cacheWritePerToken).toBeGreaterThanOrEqual(price.inputPerToken);
    }
  });

  it('takes overrides and new models, and can drop the built-in table', () => {
    const calculator = createCostCalculator({
      prices: {
        'gpt-4o': { provider: 'openai', inputPerToken: 1e-6, outputPerToken: 2e-6 },
        'my-llama': { provider: 'vllm', inputPerToken: 1e-7, outputPerToken: 3e-7 },
      },
    });
    expect(calculator.costOf('gpt-4o', { inputTokens: 100, outputTokens: 100 })).toBeCloseTo(
      3e-4,
      12,
    );
    // Cache prices default to the input price.
    expect(calculator.resolve('my-llama')).toMatchObject({
      cacheReadPerToken: 1e-7,
      cacheWritePerToken: 1e-7,
    });
    const only = createCostCalculator({
      prices: { 'my-llama': { provider: 'vllm', inputPerToken: 1e-7, outputPerToken: 3e-7 } },
      replaceDefaultPrices: true,
      onUnknownModel: () => {},
    });
    expect(only.models).toEqual(['my-llama']);
    expect(only.costOf('gpt-4o', { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
  });

  it('never prices an unknown model at 0 and announces it once per model', () => {
    const onUnknownModel = vi.fn();
    const calculator = createCostCalculator({ onUnknownModel });
    expect(calculator.costOf('mystery-1', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
    expect(calculator.costOf('mystery-1', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
    expect(calculator.costOf('mystery-2', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
    expect(onUnknownModel.mock.calls).toEqual([[{ model: 'mystery-1' }], [{ model: 'mystery-2' }]]);
  });

  it('announces with a process warning by default', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const calculator = createCostCalculator();
    calculator.costOf('mystery-3', { inputTokens: 1, outputTokens: 1 });
    calculator.costOf('mystery-3', { inputTokens: 1, outputTokens: 1 });
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning.mock.calls[0]?.[0]).toContain('"mystery-3"');
    expect(emitWarning.mock.calls[0]?.[1]).toEqual({ code: 'BREAKWATER_METRICS_UNKNOWN_MODEL' });
  });

  it('validates prices and usage', () => {
    expect(() =>
      createCostCalculator({
        prices: { bad: { provider: 'x', inputPerToken: -1, outputPerToken: 0 } },
      }),
    ).toThrow(new RangeError('prices["bad"].inputPerToken must be a finite number ≥ 0, got -1'));
    expect(() =>
      createCostCalculator({
        prices: { bad: { provider: '', inputPerToken: 0, outputPerToken: 0 } },
      }),
    ).toThrow(TypeError);
    expect(() => createCostCalculator({ prices: [] as never })).toThrow(
      new TypeError('prices must be an object of model id → price, got an array'),
    );
    expect(() => createCostCalculator({ replaceDefaultPrices: 'yes' as never })).toThrow(
      new TypeError('replaceDefaultPrices must be a boolean, got string'),
    );
    expect(() => createCostCalculator({ onUnknownModel: 'warn' as never })).toThrow(
      new TypeError('onUnknownModel must be a function, got string'),
    );
    const calculator = createCostCalculator();
    expect(() => calculator.costOf('gpt-4o', { inputTokens: Number.NaN, outputTokens: 0 })).toThrow(
      new RangeError('usage.inputTokens must be a finite number ≥ 0, got NaN'),
    );
  });
});
