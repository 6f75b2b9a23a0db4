/**
 * Estimates how many tokens a text costs without a tokenizer: about four characters per token
 * for ASCII, one token per CJK character, two characters per token for other scripts. It is
 * cheap (one pass, no allocation) and within roughly ±20 % of BPE tokenizers on English prose;
 * counts built on it are always flagged `estimated`. Pass your own `estimateTokens` (for example
 * one built on `gpt-tokenizer`) to the manager when you need closer numbers.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(tokenWeight(text));
}

/** The fractional token weight of `text`, so consecutive deltas can be summed before rounding. */
export function tokenWeight(text: string): number {
  const length = text.length;
  // Every character is first counted as ASCII; the rare others are corrected in the branch.
  let correction = 0;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    if (isCjk(code)) correction += 0.75;
    // The low half of a surrogate pair was already counted with its high half.
    else if (code >= 0xdc00 && code <= 0xdfff) correction -= 0.25;
    else correction += 0.25;
  }
  return length * 0.25 + correction;
}

function isCjk(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) || // Hiragana, Katakana
    (code >= 0x3400 && code <= 0x9fff) || // CJK ideographs
    (code >= 0xac00 && code <= 0xd7af) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff)
  );
}
