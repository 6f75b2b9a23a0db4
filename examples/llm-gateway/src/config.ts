import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * Providers the gateway can call. `mock` needs no key and no network; `openai-compatible` is
 * any server speaking OpenAI Chat Completions (vLLM, Ollama, LiteLLM), called without the SDK.
 */
export type ProviderName = 'mock' | 'openai' | 'openai-compatible' | 'anthropic' | 'gemini';

/** Options of the built-in mock model (passed to llm-stream's mock provider). */
export interface MockModelOptions {
  /** Delay before the first token in milliseconds. @default 20 */
  readonly ttftMs?: number;
  /** Generation pace. @default 400 */
  readonly tokensPerSecond?: number;
  /** Share of requests that fail before the first token, 0–1. @default 0 */
  readonly failureRate?: number;
  /** Tokens per answer. @default 60 */
  readonly outputTokens?: number;
}

/** One model clients may ask for. */
export interface ModelConfig {
  /** Name clients use and breaker suffix: the breaker is `ai_model_<name>`. */
  readonly name: string;
  readonly provider: ProviderName;
  /** Model id sent upstream. @default name */
  readonly upstreamModel?: string;
  /** Environment variable holding the provider API key; the model is enabled only when it is set (mock excepted). */
  readonly apiKeyEnv?: string;
  /** Environment variable holding a base URL override (proxies, local servers). */
  readonly baseUrlEnv?: string;
  /** Max output tokens when the request does not say. @default 512 */
  readonly maxTokens?: number;
  /**
   * Provider `openai-compatible` only: upstream connections its client keeps open at most;
   * concurrent streams beyond it wait for a free connection. @default 256
   */
  readonly maxSockets?: number;
  readonly mock?: MockModelOptions;
}

/** An API key and the identity it grants. The tier comes from here, never from the client. */
export interface ApiKeyConfig {
  /** The key in clear text (environment or a private file), or… */
  readonly key?: string;
  /** …its SHA-256 hex digest, so the file holding identities holds no secret. */
  readonly keySha256?: string;
  readonly userId: string;
  readonly tier: string;
}

/** Limits of one tier; an omitted limit adds no window. */
export interface TierConfig {
  readonly requestsPerMinute?: number;
  readonly requestsPerHour?: number;
  readonly requestsPerDay?: number;
  readonly tokensPerDay?: number;
}

/** Circuit breaker settings shared by every breaker of the gateway. */
export interface BreakerConfig {
  /** Consecutive failures that open a breaker. @default 5 */
  readonly failureThreshold: number;
  /** How long an open breaker rejects calls, in milliseconds. @default 30000 */
  readonly openDurationMs: number;
}

/** Everything the gateway needs; {@link loadConfig} builds it from a file and the environment. */
export interface GatewayConfig {
  /** Listen address; loopback by default so a local run is not exposed (the Docker image sets HOST=0.0.0.0). @default '127.0.0.1' */
  readonly host: string;
  /** @default 8001 */
  readonly port: number;
  /** Models in failover order; the first enabled one is the default. */
  readonly models: readonly ModelConfig[];
  /** Try the next model when one fails before its first token. @default true */
  readonly failover: boolean;
  readonly apiKeys: readonly ApiKeyConfig[];
  /** Refuse requests without an API key instead of treating them as anonymous FREE. @default false */
  readonly requireApiKey: boolean;
  /** Admin bearer token; a random one is generated (and printed once) when absent. */
  readonly adminToken?: string;
  /** Redis for rate limits and the response cache; in-memory stores when absent. */
  readonly redisUrl?: string;
  /**
   * How long a Redis call may take before the rate limiter decides on its local fallback and
   * the cache or session store counts a failure, in milliseconds.
   * @default 250
   */
  readonly redisTimeoutMs: number;
  /** Largest accepted request body in bytes. @default 1048576 */
  readonly bodyLimitBytes: number;
  readonly cache: {
    /** @default true */
    readonly enabled: boolean;
    /** @default 1000 */
    readonly maxEntries: number;
    /** @default 300000 */
    readonly ttlMs: number;
  };
  readonly breaker: BreakerConfig;
  /**
   * Tiers besides (or replacing) the built-in FREE, BASIC, PRO and ENTERPRISE, by name.
   * @default {}
   */
  readonly tiers: Readonly<Record<string, TierConfig>>;
  /**
   * Retries of one model before failing over to the next (only before the first token);
   * `false` fails over at once.
   * @default { maxRetries: 1, baseDelayMs: 200 }
   */
  readonly retry: { readonly maxRetries: number; readonly baseDelayMs?: number } | false;
  /** Trust X-Forwarded-For for the client address (only behind a proxy you run). @default false */
  readonly trustProxy: boolean;
  /** Fastify logger switch. @default true */
  readonly logger: boolean;
  /** Environment the provider keys and base URLs are read from. @default process.env */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The defaults: the mock model twice (so failover has somewhere to go), then the real providers. */
export const defaultModels: readonly ModelConfig[] = [
  { name: 'mock', provider: 'mock' },
  { name: 'mock-backup', provider: 'mock' },
  {
    name: 'gpt-4o',
    provider: 'openai',
    apiKeyEnv: 'OPENAI_API_KEY',
    baseUrlEnv: 'OPENAI_BASE_URL',
  },
  {
    name: 'claude-3-sonnet',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-4-5',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
  },
  {
    name: 'gemini-pro',
    provider: 'gemini',
    upstreamModel: 'gemini-2.5-pro',
    apiKeyEnv: 'GEMINI_API_KEY',
    baseUrlEnv: 'GEMINI_BASE_URL',
  },
];

/** Builds a complete config from partial input, filling every default. */
export function resolveConfig(input: Partial<GatewayConfig> = {}): GatewayConfig {
  const config: GatewayConfig = {
    host: input.host ?? '127.0.0.1',
    port: input.port ?? 8001,
    models: input.models ?? defaultModels,
    failover: input.failover ?? true,
    apiKeys: input.apiKeys ?? [],
    requireApiKey: input.requireApiKey ?? false,
    adminToken: input.adminToken,
    redisUrl: input.redisUrl,
    redisTimeoutMs: input.redisTimeoutMs ?? 250,
    bodyLimitBytes: input.bodyLimitBytes ?? 1_048_576,
    cache: { enabled: true, maxEntries: 1000, ttlMs: 300_000, ...input.cache },
    breaker: { failureThreshold: 5, openDurationMs: 30_000, ...input.breaker },
    tiers: input.tiers ?? {},
    retry: input.retry ?? { maxRetries: 1, baseDelayMs: 200 },
    trustProxy: input.trustProxy ?? false,
    logger: input.logger ?? true,
    env: input.env ?? process.env,
  };
  validateConfig(config);
  return config;
}

function validateConfig(config: GatewayConfig): void {
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65_535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${config.port}`);
  }
  if (config.models.length === 0) throw new RangeError('models must list at least one model');
  const names = new Set<string>();
  for (const model of config.models) {
    if (!/^[A-Za-z0-9._:-]+$/.test(model.name)) {
      throw new TypeError(
        `model name must match [A-Za-z0-9._:-]+, got ${JSON.stringify(model.name)}`,
      );
    }
    if (names.has(model.name)) throw new TypeError(`model ${model.name} is declared twice`);
    names.add(model.name);
    if (!['mock', 'openai', 'openai-compatible', 'anthropic', 'gemini'].includes(model.provider)) {
      throw new TypeError(
        `model ${model.name}: unknown provider ${JSON.stringify(model.provider)}`,
      );
    }
    if (model.maxSockets !== undefined) {
      if (model.provider !== 'openai-compatible') {
        throw new TypeError(
          `model ${model.name}: maxSockets applies to provider openai-compatible only`,
        );
      }
      if (!(Number.isInteger(model.maxSockets) && model.maxSockets >= 1)) {
        throw new RangeError(
          `model ${model.name}: maxSockets must be an integer ≥ 1, got ${model.maxSockets}`,
        );
      }
    }
  }
  if (!(config.redisTimeoutMs > 0)) {
    throw new RangeError(`redisTimeoutMs must be > 0, got ${config.redisTimeoutMs}`);
  }
  if (config.bodyLimitBytes < 1024) {
    throw new RangeError(`bodyLimitBytes must be ≥ 1024, got ${config.bodyLimitBytes}`);
  }
  if (config.breaker.failureThreshold < 1) {
    throw new RangeError(
      `breaker.failureThreshold must be ≥ 1, got ${config.breaker.failureThreshold}`,
    );
  }
  if (config.adminToken !== undefined && config.adminToken.length < 16) {
    throw new RangeError('adminToken must be at least 16 characters long');
  }
  const tiers = new Set(['FREE', 'BASIC', 'PRO', 'ENTERPRISE', ...Object.keys(config.tiers)]);
  for (const entry of config.apiKeys) {
    if (!tiers.has(entry.tier))
      throw new TypeError(`API key of ${entry.userId}: unknown tier ${JSON.stringify(entry.tier)}`);
    if (!entry.key && !entry.keySha256)
      throw new TypeError(`API key of ${entry.userId} has neither key nor keySha256`);
    if (!entry.userId || !entry.tier)
      throw new TypeError('every API key needs a userId and a tier');
  }
}

/**
 * Parses `GATEWAY_API_KEYS`: comma-separated `key=user_id:TIER` entries.
 * @example GATEWAY_API_KEYS="sk-alice-123=alice:PRO,sk-bob-456=bob:BASIC"
 */
export function parseApiKeysEnv(value: string): ApiKeyConfig[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([^=]+)=([^:]+):(.+)$/.exec(part);
      if (!match) throw new TypeError('GATEWAY_API_KEYS entries must look like key=user_id:TIER');
      return { key: match[1]!, userId: match[2]!, tier: match[3]! };
    });
}

function readJson(path: string, base: string): unknown {
  return JSON.parse(readFileSync(isAbsolute(path) ? path : resolve(base, path), 'utf8'));
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/**
 * Reads the gateway's configuration: the JSON file named by `GATEWAY_CONFIG` (default
 * `gateway.config.json` in the working directory, when present), then the environment:
 * `PORT`, `HOST`, `REDIS_URL`, `ADMIN_TOKEN`, `REQUIRE_API_KEY`, `GATEWAY_API_KEYS`,
 * `GATEWAY_API_KEYS_FILE` (a JSON array of {@link ApiKeyConfig}), `TRUST_PROXY`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = process.cwd(),
): GatewayConfig {
  let file: Partial<GatewayConfig> = {};
  const path = env.GATEWAY_CONFIG ?? 'gateway.config.json';
  try {
    file = readJson(path, cwd) as Partial<GatewayConfig>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing || env.GATEWAY_CONFIG) throw error;
  }
  const apiKeys = [...(file.apiKeys ?? [])];
  if (env.GATEWAY_API_KEYS_FILE) {
    apiKeys.push(...(readJson(env.GATEWAY_API_KEYS_FILE, cwd) as ApiKeyConfig[]));
  }
  if (env.GATEWAY_API_KEYS) apiKeys.push(...parseApiKeysEnv(env.GATEWAY_API_KEYS));
  return resolveConfig({
    ...file,
    host: env.HOST ?? file.host,
    port: env.PORT ? Number(env.PORT) : file.port,
    redisUrl: env.REDIS_URL || file.redisUrl,
    adminToken: env.ADMIN_TOKEN || file.adminToken,
    requireApiKey: flag(env.REQUIRE_API_KEY) ?? file.requireApiKey,
    trustProxy: flag(env.TRUST_PROXY) ?? file.trustProxy,
    apiKeys,
    env,
  });
}
