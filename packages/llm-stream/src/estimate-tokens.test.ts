import { describe, expect, it } from 'vitest';
import { estimateTokens, tokenWeight } from './estimate-tokens.js';

describe('estimateTokens', () => {
  it('counts about four ASCII characters per token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('The quick brown fox jumps over the lazy dog.')).toBe(11);
  });

  it('counts one token per CJK character and two characters per token in other scripts', () => {
    expect(estimateTokens('日本語')).toBe(3);
    expect(estimateTokens('한국어')).toBe(3);
    expect(tokenWeight('привет')).toBe(3);
  });

  it('counts an astral character (a surrogate pair) once', () => {
    expect(tokenWeight('😀')).toBe(0.5);
  });

  it('adds up across deltas to the weight of the whole text', () => {
    const parts = ['Hel', 'lo, ', '世界', ' 😀', '!'];
    const sum = parts.reduce((total, part) => total + tokenWeight(part), 0);
    expect(sum).toBeCloseTo(tokenWeight(parts.join('')));
  });
});
