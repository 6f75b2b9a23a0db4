import { type BareItem, type ParsedItem, parseStructuredList } from './parse-structured-list.js';

/** One `RateLimit-Policy` member, checked against draft-ietf-httpapi-ratelimit-headers-10 section 3. */
export interface DraftPolicy {
  readonly name: string;
  readonly q: number;
  readonly w: number | undefined;
  readonly qu: string | undefined;
  /** Vendor-prefixed parameters (keys containing `-`). */
  readonly vendor: ReadonlyMap<string, BareItem>;
}

/** One `RateLimit` member, checked against draft-10 section 4. */
export interface DraftServiceLimit {
  readonly name: string;
  readonly r: number;
  readonly t: number | undefined;
}

const REGISTERED_UNITS = new Set(['requests', 'content-bytes', 'concurrent-requests']);

function fail(message: string, field: string): never {
  throw new SyntaxError(`${message} in ${JSON.stringify(field)}`);
}

function nonNegativeInteger(item: BareItem | undefined, name: string, field: string): number {
  if (item?.type !== 'integer' || item.value < 0)
    fail(`${name} must be a non-negative Integer`, field);
  return item.value;
}

function stringName(item: ParsedItem, field: string): string {
  if (item.value.type !== 'string') fail('a member must be a String naming the policy', field);
  return item.value.value;
}

function checkOtherParameters(
  item: ParsedItem,
  known: ReadonlySet<string>,
  field: string,
): Map<string, BareItem> {
  const vendor = new Map<string, BareItem>();
  for (const [key, value] of item.parameters) {
    if (known.has(key)) continue;
    // The draft says other parameters SHOULD carry a vendor prefix; Breakwater always does.
    if (!key.includes('-')) fail(`parameter "${key}" has no vendor prefix`, field);
    vendor.set(key, value);
  }
  return vendor;
}

/** Parses `RateLimit-Policy` strictly; throws SyntaxError on any deviation from draft-10. */
export function parseRateLimitPolicy(field: string): DraftPolicy[] {
  const items = parseStructuredList(field);
  if (items.length === 0) fail('RateLimit-Policy must be a non-empty List', field);
  return items.map((item) => {
    const name = stringName(item, field);
    const q = nonNegativeInteger(item.parameters.get('q'), 'q', field);
    const wItem = item.parameters.get('w');
    const w = wItem === undefined ? undefined : nonNegativeInteger(wItem, 'w', field);
    if (w === 0) fail('w must be non-zero', field);
    const quItem = item.parameters.get('qu');
    if (quItem !== undefined && (quItem.type !== 'string' || !REGISTERED_UNITS.has(quItem.value))) {
      fail('qu must be a String naming a registered unit', field);
    }
    const pk = item.parameters.get('pk');
    if (pk !== undefined && pk.type !== 'byte-sequence') fail('pk must be a Byte Sequence', field);
    const vendor = checkOtherParameters(item, new Set(['q', 'qu', 'w', 'pk']), field);
    return { name, q, w, qu: quItem?.value as string | undefined, vendor };
  });
}

/** Parses `RateLimit` strictly; each member must name a policy of `policies` when given. */
export function parseRateLimit(
  field: string,
  policies?: readonly DraftPolicy[],
): DraftServiceLimit[] {
  return parseStructuredList(field).map((item) => {
    const name = stringName(item, field);
    if (policies !== undefined && !policies.some((policy) => policy.name === name)) {
      fail(`"${name}" is not a policy of RateLimit-Policy`, field);
    }
    const r = nonNegativeInteger(item.parameters.get('r'), 'r', field);
    const tItem = item.parameters.get('t');
    const t = tItem === undefined ? undefined : nonNegativeInteger(tItem, 't', field);
    const pk = item.parameters.get('pk');
    if (pk !== undefined && pk.type !== 'byte-sequence') fail('pk must be a Byte Sequence', field);
    checkOtherParameters(item, new Set(['r', 't', 'pk']), field);
    return { name, r, t };
  });
}

/** Parses `Retry-After` as delay-seconds (RFC 9110 section 10.2.3): `1*DIGIT`. */
export function parseRetryAfter(field: string): number {
  if (!/^[0-9]+$/.test(field)) fail('Retry-After must be delay-seconds', field);
  return Number(field);
}

/** Reads and validates the draft headers of a fetch response. */
export function readDraftHeaders(headers: Headers): {
  policies: DraftPolicy[];
  limits: DraftServiceLimit[];
} {
  const policyField = headers.get('ratelimit-policy');
  const limitField = headers.get('ratelimit');
  if (policyField === null || limitField === null) {
    throw new Error(`missing RateLimit-Policy or RateLimit: ${JSON.stringify([...headers])}`);
  }
  const policies = parseRateLimitPolicy(policyField);
  return { policies, limits: parseRateLimit(limitField, policies) };
}
