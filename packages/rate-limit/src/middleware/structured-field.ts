/**
 * Serializers for the RFC 9651 (Structured Field Values) bare items the rate-limit headers use:
 * Strings and Integers.
 * @internal
 */

/** Largest Integer RFC 9651 can carry (15 decimal digits). */
export const MAX_STRUCTURED_INTEGER = 999_999_999_999_999;

/** Printable ASCII except `"` and `\\`: a String that needs no escaping. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PARAMETER_KEY = /^[a-z*][a-z0-9_.*-]*$/;

/** Whether `key` is a valid RFC 9651 Parameter key (`lcalpha` or `*`, then `lcalpha / DIGIT / _ - . *`). */
export function isStructuredKey(key: string): boolean {
  return PARAMETER_KEY.test(key);
}

/** Serializes an Integer, clamped to the range RFC 9651 allows (a header must never be invalid). */
export function serializeInteger(value: number): string {
  if (Number.isSafeInteger(value) && Math.abs(value) <= MAX_STRUCTURED_INTEGER) {
    return value === 0 ? '0' : String(value);
  }
  if (Number.isNaN(value)) return '0';
  const integer = Math.trunc(
    Math.min(Math.max(value, -MAX_STRUCTURED_INTEGER), MAX_STRUCTURED_INTEGER),
  );
  return String(integer === 0 ? 0 : integer);
}

/** Serializes a String; characters outside printable ASCII become `?` because a String cannot carry them. */
export function serializeString(value: string): string {
  if (PLAIN_STRING.test(value)) return `"${value}"`;
  let escaped = '';
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 || code > 0x7e) escaped += '?';
    else if (character === '"' || character === '\\') escaped += `\\${character}`;
    else escaped += character;
  }
  return `"${escaped}"`;
}
