/**
 * Cardinality guards. Every label value that comes from outside (model ids, route
 * templates, tiers, breaker names, error types, task types) passes through one of these,
 * so a bug or an attacker can never create an unbounded number of series.
 */

/** The label value for models outside the allowlist and for values past a label's limit. */
export const OTHER_LABEL_VALUE = 'other';

/** The label value for requests whose model has no price (`breakwater_ai_unpriced_requests_total`). */
export const UNKNOWN_MODEL_LABEL_VALUE = 'unknown';

/** Longest label value kept; longer values are not templates or ids a human chose. */
const MAX_LABEL_VALUE_LENGTH = 120;
/** Distinct model ids whose allowlist verdict is cached. */
const MAX_CACHED_MODELS = 1000;

/**
 * Label names refused in `defaultLabels`: identities and secrets are unbounded, personal and
 * leak through every scrape. Matched as whole `_`-separated words, case-insensitively.
 */
const FORBIDDEN_LABEL_WORDS = [
  'user',
  'userid',
  'uid',
  'customer',
  'tenant',
  'email',
  'apikey',
  'key',
  'token',
  'secret',
  'password',
  'session',
  'ip',
  'account',
  'authorization',
];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Throws a TypeError when `name` is not a valid Prometheus label name or names an identity
 * or a secret (`user_id`, `api_key`, `email`, …).
 */
export function assertSafeLabelName(name: string, where: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith('__')) {
    throw new TypeError(`${where}: "${name}" is not a valid Prometheus label name`);
  }
  const words = name.toLowerCase().split('_');
  const joined = words.join('');
  for (const word of FORBIDDEN_LABEL_WORDS) {
    if (words.includes(word) || joined === word) {
      throw new TypeError(
        `${where}: label "${name}" is refused: user ids, API keys and other identities are unbounded and personal; aggregate them in logs or traces, not in metric labels`,
      );
    }
  }
}

/**
 * A label whose values are open-ended strings: the first `limit` distinct values pass, later
 * new values become `other`. Empty values become `unknown`.
 */
export function createBoundedLabel(limit: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (value === '') return UNKNOWN_MODEL_LABEL_VALUE;
    if (value.length > MAX_LABEL_VALUE_LENGTH || seen.size >= limit) return OTHER_LABEL_VALUE;
    seen.add(value);
    return value;
  };
}

/** A model allowlist entry: an exact model id (case-insensitive) or a pattern. */
export type ModelAllowlistEntry = string | RegExp;

/**
 * Maps a model id to its `gen_ai_request_model` label, always from a bounded set: an allowlisted
 * id in the allowlist's spelling, a priced model as its price-table id (so date-suffixed
 * variants share one series), a model matching an allowlist pattern as itself (anchor your
 * patterns), anything else as `other`.
 */
export function createModelLabeler(
  allowlist: readonly ModelAllowlistEntry[],
  pricedIdOf: (model: string) => string | undefined,
): (model: string) => string {
  const exact = new Map<string, string>();
  const patterns: RegExp[] = [];
  for (const entry of allowlist) {
    if (typeof entry === 'string' && entry !== '') exact.set(entry.toLowerCase(), entry);
    // A global or sticky RegExp keeps state between test() calls; a stateless copy does not.
    else if (entry instanceof RegExp)
      patterns.push(new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')));
    else
      throw new TypeError(
        `allowModels entries must be non-empty strings or RegExps, got ${String(entry)}`,
      );
  }
  const verdicts = new Map<string, string>();
  return (model) => {
    const cached = verdicts.get(model);
    if (cached !== undefined) return cached;
    let label = OTHER_LABEL_VALUE;
    if (model !== '' && model.length <= MAX_LABEL_VALUE_LENGTH) {
      const listed = exact.get(model.toLowerCase());
      if (listed !== undefined) label = listed;
      else if (patterns.some((pattern) => pattern.test(model))) label = model;
      else label = pricedIdOf(model) ?? OTHER_LABEL_VALUE;
    }
    if (verdicts.size < MAX_CACHED_MODELS) verdicts.set(model, label);
    return label;
  };
}
