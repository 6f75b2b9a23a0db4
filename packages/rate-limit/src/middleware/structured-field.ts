/**
 * Serializers for the few RFC 9651 (Structured Field Values) types the rate-limit headers use:
 * Lists of String Items whose Parameters are Integers or Strings.
 * @internal
 */

/** Largest Integer RFC 9651 can carry (15 decimal digits). */
export const MAX_STRUCTURED_INTEGER = 999_999_999_999_999;

const STRING_CHARACTER = /^[\x20-\x7e]*$/;
/** Printable ASCII except `"` and `\\`: a String that needs no escaping. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PARAMETER_KEY = /^[a-z*][a-z0-9_.*-]*$/;

/** A Parameter value: an Integer (a JS number, truncated to an integer) or a String. */
export type StructuredParameterValue = number | string;

/** One Item of a List: a String bare item plus ordered Parameters. */
export interface StructuredListItem {
  readonly value: string;
  readonly parameters: ReadonlyArray<readonly [key: string, value: StructuredParameterValue]>;
}

/** Whether `key` is a valid RFC 9651 Parameter key (`lcalpha` or `*`, then `lcalpha / DIGIT / _ - . *`). */
export function isStructuredKey(key: string): boolean {
  return PARAMETER_KEY.test(key);
}

/** Whether every character of `value` may appear in an RFC 9651 String (printable ASCII). */
export function isStructuredString(value: string): boolean {
  return STRING_CHARACTER.test(value);
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

/** Serializes a List of String Items with their Parameters, members joined by `, `. */
export function serializeList(items: readonly StructuredListItem[]): string {
  return items
    .map((item) => {
      let serialized = serializeString(item.value);
      for (const [key, value] of item.parameters) {
        serialized += `;${key}=${typeof value === 'number' ? serializeInteger(value) : serializeString(value)}`;
      }
      return serialized;
    })
    .join(', ');
}
