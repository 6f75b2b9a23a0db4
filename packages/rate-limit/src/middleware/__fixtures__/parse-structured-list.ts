/**
 * A strict RFC 9651 List parser for tests, written from the spec's parsing algorithm (section 4.2),
 * independent of the serializer under test. Inner lists and Dates are rejected: the rate-limit
 * headers never use them.
 */

export type BareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'byte-sequence'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

export interface ParsedItem {
  readonly value: BareItem;
  readonly parameters: ReadonlyMap<string, BareItem>;
}

class Cursor {
  position = 0;
  constructor(readonly input: string) {}
  get done(): boolean {
    return this.position >= this.input.length;
  }
  peek(): string {
    return this.input[this.position] ?? '';
  }
  next(): string {
    const character = this.peek();
    this.position++;
    return character;
  }
  fail(message: string): never {
    throw new SyntaxError(`${message} at ${this.position} in ${JSON.stringify(this.input)}`);
  }
}

/** Parses a field value as an sf-list; throws SyntaxError on anything RFC 9651 would reject. */
export function parseStructuredList(fieldValue: string): ParsedItem[] {
  const cursor = new Cursor(fieldValue.replace(/^ +| +$/g, ''));
  const members: ParsedItem[] = [];
  while (!cursor.done) {
    if (cursor.peek() === '(') cursor.fail('inner lists are not expected');
    members.push(parseItem(cursor));
    while (cursor.peek() === ' ' || cursor.peek() === '\t') cursor.next();
    if (cursor.done) return members;
    if (cursor.next() !== ',') cursor.fail('expected "," between list members');
    while (cursor.peek() === ' ' || cursor.peek() === '\t') cursor.next();
    if (cursor.done) cursor.fail('trailing comma');
  }
  return members;
}

function parseItem(cursor: Cursor): ParsedItem {
  const value = parseBareItem(cursor);
  const parameters = new Map<string, BareItem>();
  while (cursor.peek() === ';') {
    cursor.next();
    while (cursor.peek() === ' ') cursor.next();
    const key = parseKey(cursor);
    let parameter: BareItem = { type: 'boolean', value: true };
    if (cursor.peek() === '=') {
      cursor.next();
      parameter = parseBareItem(cursor);
    }
    parameters.set(key, parameter);
  }
  return { value, parameters };
}

function parseKey(cursor: Cursor): string {
  if (!/[a-z*]/.test(cursor.peek())) cursor.fail('a key must start with lcalpha or "*"');
  let key = '';
  while (/[a-z0-9_.*-]/.test(cursor.peek()) && !cursor.done) key += cursor.next();
  return key;
}

function parseBareItem(cursor: Cursor): BareItem {
  const first = cursor.peek();
  if (first === '-' || /[0-9]/.test(first)) return parseNumber(cursor);
  if (first === '"') return parseString(cursor);
  if (first === '*' || /[A-Za-z]/.test(first)) return parseToken(cursor);
  if (first === ':') return parseByteSequence(cursor);
  if (first === '?') return parseBoolean(cursor);
  return cursor.fail('unrecognised bare item');
}

function parseNumber(cursor: Cursor): BareItem {
  let text = '';
  if (cursor.peek() === '-') text += cursor.next();
  if (!/[0-9]/.test(cursor.peek())) cursor.fail('expected a digit');
  let decimal = false;
  while (!cursor.done && /[0-9.]/.test(cursor.peek())) {
    const character = cursor.next();
    if (character === '.') {
      if (decimal || text.replace('-', '').length > 12) cursor.fail('malformed decimal');
      decimal = true;
    }
    text += character;
    if (!decimal && text.replace('-', '').length > 15) cursor.fail('integer longer than 15 digits');
  }
  if (decimal) {
    if (text.endsWith('.')) cursor.fail('decimal ends with "."');
    if ((text.split('.')[1] ?? '').length > 3)
      cursor.fail('decimal with more than 3 fraction digits');
    return { type: 'decimal', value: Number(text) };
  }
  return { type: 'integer', value: Number(text) };
}

function parseString(cursor: Cursor): BareItem {
  cursor.next();
  let value = '';
  while (!cursor.done) {
    const character = cursor.next();
    if (character === '\\') {
      const escaped = cursor.next();
      if (escaped !== '"' && escaped !== '\\') cursor.fail('invalid escape in string');
      value += escaped;
    } else if (character === '"') {
      return { type: 'string', value };
    } else if (character < ' ' || character > '~') {
      cursor.fail('non-printable character in string');
    } else {
      value += character;
    }
  }
  return cursor.fail('unterminated string');
}

function parseToken(cursor: Cursor): BareItem {
  let value = cursor.next();
  while (!cursor.done && /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/.test(cursor.peek()))
    value += cursor.next();
  return { type: 'token', value };
}

function parseByteSequence(cursor: Cursor): BareItem {
  cursor.next();
  let value = '';
  while (!cursor.done && cursor.peek() !== ':') {
    const character = cursor.next();
    if (!/[A-Za-z0-9+/=]/.test(character)) cursor.fail('invalid base64 character');
    value += character;
  }
  if (cursor.next() !== ':') cursor.fail('unterminated byte sequence');
  return { type: 'byte-sequence', value };
}

function parseBoolean(cursor: Cursor): BareItem {
  cursor.next();
  const character = cursor.next();
  if (character === '1') return { type: 'boolean', value: true };
  if (character === '0') return { type: 'boolean', value: false };
  return cursor.fail('invalid boolean');
}
