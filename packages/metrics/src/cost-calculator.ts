import {
  DEFAULT_PRICE_TABLE,
  type ModelPrice,
  PRICE_TABLE_DATE,
  type PriceTable,
} from './price-table.js';

/** Token counts of one request, as the provider billed them. */
export interface TokenUsage {
  /** Input tokens, cache reads and cache writes included (as OpenTelemetry counts them). */
  readonly inputTokens: number;
  /** Output tokens, reasoning tokens included. */
  readonly outputTokens: number;
  /** Input tokens read from the provider's prompt cache. @default 0 */
  readonly cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache. @default 0 */
  readonly cacheWriteTokens?: number;
}

/** A model without a price, announced once per model id. */
export interface UnknownModelEvent {
  /** The model id as the caller passed it. */
  readonly model: string;
}

/** A price resolved for a model id, with the table entry it matched. */
export interface ResolvedPrice extends ModelPrice {
  /** The price-table id that matched (`gpt-4o` for `gpt-4o-2024-08-06`). */
  readonly model: string;
  /** USD per cache-read input token (the input price when the table gives none). */
  readonly cacheReadPerToken: number;
  /** USD per cache-write input token (the input price when the table gives none). */
  readonly cacheWritePerToken: number;
}

/** Options for {@link createCostCalculator}. */
export interface CostCalculatorOptions {
  /** Prices added to the built-in table; an id present in both takes this price. @default {} */
  readonly prices?: PriceTable;
  /** Use `prices` alone and drop the built-in table. @default false */
  readonly replaceDefaultPrices?: boolean;
  /**
   * Called once per model id that has no price, so unpriced traffic is never silent.
   * @default emits a process warning with code `BREAKWATER_METRICS_UNKNOWN_MODEL`
   */
  readonly onUnknownModel?: (event: UnknownModelEvent) => void;
}

/** Prices AI requests from a pinned, dated price table. */
export interface CostCalculator {
  /** The date of the built-in prices ({@link PRICE_TABLE_DATE}). */
  readonly priceTableDate: string;
  /** Every priced model id. */
  readonly models: readonly string[];
  /**
   * The price of `model`, matching provider prefixes (`openai/`, `models/`), Vertex `@version`
   * and date or `-latest`/`-preview` suffixes; `undefined` when the model has no price.
   */
  resolve(model: string): ResolvedPrice | undefined;
  /**
   * Cost of `usage` in US dollars, or `undefined` (announced once per model) when `model`
   * has no price: unknown models are never priced at 0.
   */
  costOf(model: string, usage: TokenUsage): number | undefined;
  /** Cost of `usage` at a price already resolved with {@link CostCalculator.resolve}. */
  costAt(price: ResolvedPrice, usage: TokenUsage): number;
  /** Announces `model` as unpriced through `onUnknownModel`, at most once per model id. */
  announceUnknown(model: string): void;
}

/** Distinct unknown model ids remembered for announce-once; beyond it announcements stop. */
const MAX_ANNOUNCED_MODELS = 1000;
/** Distinct model ids whose resolution is cached. */
const MAX_RESOLVED_MODELS = 1000;

const DATE_OR_CHANNEL_SUFFIX =
  /-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest|preview(?:-[\d-]+)?|exp(?:-[\d-]+)?)$/;

function defaultAnnounce(event: UnknownModelEvent): void {
  process.emitWarning(
    `No price for model "${event.model}": its requests are counted in breakwater_ai_unpriced_requests_total with gen_ai_request_model="unknown". Add it with createCostCalculator({ prices }).`,
    { code: 'BREAKWATER_METRICS_UNKNOWN_MODEL' },
  );
}

function checkPrice(id: string, price: ModelPrice): void {
  if (price === null || typeof price !== 'object') {
    throw new TypeError(`prices["${id}"] must be an object, got ${String(price)}`);
  }
  if (typeof price.provider !== 'string' || price.provider === '') {
    throw new TypeError(`prices["${id}"].provider must be a non-empty string`);
  }
  for (const field of [
    'inputPerToken',
    'outputPerToken',
    'cacheReadPerToken',
    'cacheWritePerToken',
  ] as const) {
    const value = price[field];
    if (value === undefined && (field === 'cacheReadPerToken' || field === 'cacheWritePerToken')) {
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `prices["${id}"].${field} must be a finite number ≥ 0, got ${String(value)}`,
      );
    }
  }
}

function checkCount(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`usage.${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** The ids to look up for `model`, most specific first. */
function candidateIds(model: string): string[] {
  let id = model.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  if (slash >= 0) id = id.slice(slash + 1);
  const at = id.indexOf('@');
  if (at > 0) id = id.slice(0, at);
  const ids = [id];
  // Strip at most two suffixes: `-preview-05-20`, then a date, covers every id format in use.
  for (let step = 0; step < 2; step++) {
    const stripped = id.replace(DATE_OR_CHANNEL_SUFFIX, '');
    if (stripped === id || stripped === '') break;
    id = stripped;
    ids.push(id);
  }
  return ids;
}

/**
 * Creates a cost calculator over the built-in price table ({@link DEFAULT_PRICE_TABLE},
 * dated {@link PRICE_TABLE_DATE}) merged with your own prices.
 *
 * @example
 * const calculator = createCostCalculator({
 *   prices: { 'my-llama': { provider: 'vllm', inputPerToken: 1e-7, outputPerToken: 2e-7 } },
 * });
 * calculator.costOf('gpt-4o-2024-08-06', { inputTokens: 1000, outputTokens: 200 }); // 0.0045
 */
export function createCostCalculator(options: CostCalculatorOptions = {}): CostCalculator {
  const { prices = {}, replaceDefaultPrices = false, onUnknownModel = defaultAnnounce } = options;
  if (typeof onUnknownModel !== 'function') {
    throw new TypeError(`onUnknownModel must be a function, got ${typeof onUnknownModel}`);
  }
  if (typeof prices !== 'object' || prices === null || Array.isArray(prices)) {
    throw new TypeError(
      `prices must be an object of model id → price, got ${Array.isArray(prices) ? 'an array' : String(prices)}`,
    );
  }
  if (typeof replaceDefaultPrices !== 'boolean') {
    throw new TypeError(
      `replaceDefaultPrices must be a boolean, got ${typeof replaceDefaultPrices}`,
    );
  }
  const table = new Map<string, ResolvedPrice>();
  const entries = Object.entries(
    replaceDefaultPrices ? prices : { ...DEFAULT_PRICE_TABLE, ...prices },
  );
  for (const [id, price] of entries) {
    checkPrice(id, price);
    table.set(id.toLowerCase(), {
      model: id,
      provider: price.provider,
      inputPerToken: price.inputPerToken,
      outputPerToken: price.outputPerToken,
      cacheReadPerToken: price.cacheReadPerToken ?? price.inputPerToken,
      cacheWritePerToken: price.cacheWritePerToken ?? price.inputPerToken,
    });
  }
  const resolved = new Map<string, ResolvedPrice | null>();
  const announced = new Set<string>();

  function resolve(model: string): ResolvedPrice | undefined {
    const cached = resolved.get(model);
    if (cached !== undefined) return cached ?? undefined;
    let match: ResolvedPrice | undefined;
    for (const id of candidateIds(model)) {
      match = table.get(id);
      if (match) break;
    }
    if (resolved.size < MAX_RESOLVED_MODELS) resolved.set(model, match ?? null);
    return match;
  }

  function costAt(price: ResolvedPrice, usage: TokenUsage): number {
    const input = checkCount('inputTokens', usage.inputTokens);
    const output = checkCount('outputTokens', usage.outputTokens);
    const cacheRead = checkCount('cacheReadTokens', usage.cacheReadTokens);
    const cacheWrite = checkCount('cacheWriteTokens', usage.cacheWriteTokens);
    // Cached tokens are part of input; a provider reporting them apart never goes negative here.
    const uncached = Math.max(0, input - cacheRead - cacheWrite);
    return (
      uncached * price.inputPerToken +
      cacheRead * price.cacheReadPerToken +
      cacheWrite * price.cacheWritePerToken +
      output * price.outputPerToken
    );
  }

  function announceUnknown(model: string): void {
    if (announced.has(model) || announced.size >= MAX_ANNOUNCED_MODELS) return;
    announced.add(model);
    onUnknownModel({ model });
  }

  return {
    priceTableDate: PRICE_TABLE_DATE,
    models: Object.freeze([...table.values()].map((price) => price.model)),
    resolve,
    costAt,
    announceUnknown,
    costOf(model, usage) {
      const price = resolve(model);
      if (!price) {
        announceUnknown(model);
        return undefined;
      }
      return costAt(price, usage);
    },
  };
}
