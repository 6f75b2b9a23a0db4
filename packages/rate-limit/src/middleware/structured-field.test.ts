import { describe, expect, it } from 'vitest';
import {
  parseRateLimit,
  parseRateLimitPolicy,
  parseRetryAfter,
} from './__fixtures__/draft-headers.js';
import { parseStructuredList } from './__fixtures__/parse-structured-list.js';
import { MAX_STRUCTURED_INTEGER, serializeInteger, serializeString } from './structured-field.js';

describe('structured field serializers', () => {
  it('round-trips Strings with quotes, backslashes and non-ASCII through an RFC 9651 parser', () => {
    const field = `${serializeString('a "b" \\c')};q=${serializeInteger(1)}, ${serializeString('ünï')};x-note=${serializeString('ok "fine"')}`;
    expect(field).toBe('"a \\"b\\" \\\\c";q=1, "?n?";x-note="ok \\"fine\\""');
    const [first, second] = parseStructuredList(field);
    expect(first?.value).toEqual({ type: 'string', value: 'a "b" \\c' });
    expect(first?.parameters.get('q')).toEqual({ type: 'integer', value: 1 });
    expect(second?.value).toEqual({ type: 'string', value: '?n?' });
    expect(second?.parameters.get('x-note')).toEqual({ type: 'string', value: 'ok "fine"' });
  });

  it('clamps Integers to the 15-digit range and truncates fractions', () => {
    expect(serializeInteger(2 ** 60)).toBe(String(MAX_STRUCTURED_INTEGER));
    expect(serializeInteger(-(2 ** 60))).toBe(`-${MAX_STRUCTURED_INTEGER}`);
    expect(serializeInteger(12.9)).toBe('12');
    expect(serializeInteger(-0.5)).toBe('0');
    expect(serializeInteger(Number.NaN)).toBe('0');
    expect(serializeString('')).toBe('""');
  });
});

// The header tests are only as strict as this parser, so it must reject what the draft rejects.
describe('test parser strictness', () => {
  it.each([
    ['trailing comma', '"a";q=1,'],
    ['unterminated string', '"a;q=1'],
    ['bad escape', '"a\\n";q=1'],
    ['integer over 15 digits', '"a";q=1234567890123456'],
    ['uppercase key', '"a";Q=1'],
    ['missing comma', '"a";q=1 "b";q=2'],
  ])('rejects malformed structured fields: %s', (_, field) => {
    expect(() => parseStructuredList(field)).toThrow(SyntaxError);
  });

  it.each([
    ['a token instead of a String name', 'minute;q=10;w=60'],
    ['a missing quota', '"minute";w=60'],
    ['a negative quota', '"minute";q=-1;w=60'],
    ['a decimal quota', '"minute";q=1.5;w=60'],
    ['a zero window', '"minute";q=10;w=0'],
    ['an unregistered qu', '"tokens";q=10;qu="tokens"'],
    ['a vendor parameter without prefix', '"tokens";q=10;unit="tokens"'],
    ['an empty list', ''],
  ])('rejects a RateLimit-Policy with %s', (_, field) => {
    expect(() => parseRateLimitPolicy(field)).toThrow(SyntaxError);
  });

  it('rejects a RateLimit without r, with a negative t, or naming an unknown policy', () => {
    const policies = parseRateLimitPolicy('"minute";q=10;w=60');
    expect(() => parseRateLimit('"minute";t=5', policies)).toThrow(SyntaxError);
    expect(() => parseRateLimit('"minute";r=1;t=-5', policies)).toThrow(SyntaxError);
    expect(() => parseRateLimit('"hour";r=1;t=5', policies)).toThrow(SyntaxError);
    expect(parseRateLimit('"minute";r=1;t=5', policies)).toEqual([{ name: 'minute', r: 1, t: 5 }]);
  });

  it('accepts the draft examples and rejects non-delay-seconds Retry-After', () => {
    expect(parseRateLimitPolicy('"burst";q=100;w=60,"daily";q=1000;w=86400')).toHaveLength(2);
    expect(
      parseRateLimitPolicy('"peruser";q=65535;qu="content-bytes";w=10;pk=:sdfjLJUOUH==:')[0],
    ).toMatchObject({ name: 'peruser', q: 65535, qu: 'content-bytes', w: 10 });
    expect(parseRateLimit('"default";r=999;pk=:dHJpYWwxMjEzMjM=:')).toEqual([
      { name: 'default', r: 999, t: undefined },
    ]);
    expect(parseRetryAfter('120')).toBe(120);
    expect(() => parseRetryAfter('1.5')).toThrow(SyntaxError);
    expect(() => parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toThrow(SyntaxError);
  });
});
