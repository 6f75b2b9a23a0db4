/**
 * Prices of one model in US dollars per token. Cache prices follow the providers' billing:
 * cache reads are discounted input tokens, cache writes are input tokens that also populate
 * the cache (Anthropic charges a premium for them; OpenAI and Google charge the input price).
 */
export interface ModelPrice {
  /** `openai`, `anthropic` or `gcp.gemini` (OpenTelemetry `gen_ai.provider.name`), or your own. */
  readonly provider: string;
  /** USD per uncached input token. */
  readonly inputPerToken: number;
  /** USD per output token (reasoning tokens included, as the providers bill them). */
  readonly outputPerToken: number;
  /** USD per input token read from the provider's prompt cache. @default inputPerToken */
  readonly cacheReadPerToken?: number;
  /** USD per input token written to the provider's prompt cache. @default inputPerToken */
  readonly cacheWritePerToken?: number;
}

/** Model id → price. Ids are the providers' API ids without date suffixes. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * The day the built-in prices were taken from the providers' public list prices (standard
 * tier, prompts under 200K tokens, no batch discount). Prices change: check it and override.
 */
export const PRICE_TABLE_DATE = '2026-06-01';

const PER_MILLION = 1e-6;

function price(
  provider: string,
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite: number = input,
): ModelPrice {
  return Object.freeze({
    provider,
    inputPerToken: input * PER_MILLION,
    outputPerToken: output * PER_MILLION,
    cacheReadPerToken: cacheRead * PER_MILLION,
    cacheWritePerToken: cacheWrite * PER_MILLION,
  });
}

/**
 * Built-in prices as of {@link PRICE_TABLE_DATE}, written per million tokens for review and
 * stored per token. Anthropic cache writes are the 5-minute tier (1.25× input).
 */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({
  // OpenAI: cached input is discounted, cache writes cost the input price.
  'gpt-5.5': price('openai', 5, 30, 0.5),
  'gpt-5.5-pro': price('openai', 30, 180, 30),
  'gpt-5.4': price('openai', 2.5, 15, 0.25),
  'gpt-5.4-mini': price('openai', 0.75, 4.5, 0.075),
  'gpt-5.4-nano': price('openai', 0.2, 1.25, 0.02),
  'gpt-5.4-pro': price('openai', 30, 180, 30),
  'gpt-5.2': price('openai', 1.75, 14, 0.175),
  'gpt-5.1': price('openai', 1.25, 10, 0.125),
  'gpt-5': price('openai', 1.25, 10, 0.125),
  'gpt-5-mini': price('openai', 0.25, 2, 0.025),
  'gpt-5-nano': price('openai', 0.05, 0.4, 0.005),
  'gpt-4.1': price('openai', 2, 8, 0.5),
  'gpt-4.1-mini': price('openai', 0.4, 1.6, 0.1),
  'gpt-4.1-nano': price('openai', 0.1, 0.4, 0.025),
  'gpt-4o': price('openai', 2.5, 10, 1.25),
  'gpt-4o-mini': price('openai', 0.15, 0.6, 0.075),
  o3: price('openai', 2, 8, 0.5),
  'o4-mini': price('openai', 1.1, 4.4, 0.275),
  // Anthropic: cache reads 0.1× input, 5-minute cache writes 1.25× input.
  'claude-opus-4-6': price('anthropic', 5, 25, 0.5, 6.25),
  'claude-opus-4-5': price('anthropic', 5, 25, 0.5, 6.25),
  'claude-opus-4-1': price('anthropic', 15, 75, 1.5, 18.75),
  'claude-opus-4': price('anthropic', 15, 75, 1.5, 18.75),
  'claude-sonnet-4-6': price('anthropic', 3, 15, 0.3, 3.75),
  'claude-sonnet-4-5': price('anthropic', 3, 15, 0.3, 3.75),
  'claude-sonnet-4': price('anthropic', 3, 15, 0.3, 3.75),
  'claude-haiku-4-5': price('anthropic', 1, 5, 0.1, 1.25),
  'claude-3-5-haiku': price('anthropic', 0.8, 4, 0.08, 1),
  // Google Gemini API: cached tokens 0.1× input; cache creation is billed as input (storage is extra).
  'gemini-3.5-flash': price('gcp.gemini', 1.5, 9, 0.15),
  'gemini-3.1-pro': price('gcp.gemini', 2, 12, 0.2),
  'gemini-3.1-flash-lite': price('gcp.gemini', 0.25, 1.5, 0.025),
  'gemini-3-flash': price('gcp.gemini', 0.5, 3, 0.05),
  'gemini-2.5-pro': price('gcp.gemini', 1.25, 10, 0.125),
  'gemini-2.5-flash': price('gcp.gemini', 0.3, 2.5, 0.03),
  'gemini-2.5-flash-lite': price('gcp.gemini', 0.1, 0.4, 0.01),
});
