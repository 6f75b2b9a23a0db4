import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTokens, tokenWeight } from './estimate-tokens.js';

/** The estimator's rule in quarter tokens, one code unit at a time. */
function referenceQuarters(text: string): number {
  let quarters = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const cjk =
      (code >= 0x3040 && code <= 0x30ff) ||
      (code >= 0x3400 && code <= 0x9fff) ||
      (code >= 0xac00 && code <= 0xd7af) ||
      (code >= 0xf900 && code <= 0xfaff);
    if (code < 0x80) quarters += 1;
    else if (cjk) quarters += 4;
    else if (code >= 0xdc00 && code <= 0xdfff) quarters += 0;
    else quarters += 2;
  }
  return quarters;
}

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

describe('tokenWeight', () => {
  it('is a multiple of a quarter token', () => {
    expect(tokenWeight('')).toBe(0);
    expect(tokenWeight(' the')).toBe(1);
    expect(tokenWeight('café')).toBe(1.25);
    expect(tokenWeight('日本')).toBe(2);
  });

  it('agrees with the per-character rule on any text, and sums across deltas exactly', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xffff }),
    );
    const text = fc.array(unit, { maxLength: 24 }).map((codes) => String.fromCharCode(...codes));
    fc.assert(
      fc.property(text, text, (first, second) => {
        expect(tokenWeight(first)).toBe(referenceQuarters(first) / 4);
        expect(estimateTokens(first)).toBe(Math.ceil(referenceQuarters(first) / 4));
        expect(tokenWeight(first) + tokenWeight(second)).toBe(
          (referenceQuarters(first) + referenceQuarters(second)) / 4,
        );
      }),
    );
  });
});
