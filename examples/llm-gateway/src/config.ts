import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ModelPrice } from '@breakwater/metrics';
import type { TaskTypeConfig } from './task-type.js';

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
  /** Environment variable that overrides `upstreamModel` when set (e.g. `OPENAI_MODEL`). */
  readonly upstreamModelEnv?: string;
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
  /**
   * Calls of this model in flight at once, over all users (and every instance sharing Redis).
   * A call that finds them all taken skips the model like an open circuit: it fails over to the
   * next model, or is answered 503 with `Retry-After` when none is left. @default unlimited
   */
  readonly concurrency?: number;
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
  /** Model calls of one user in flight at once. @default concurrency.perUser */
  readonly concurrency?: number;
}

/** Circuit breaker settings shared by every breaker of the gateway. */
export interface BreakerConfig {
  /** Consecutive failures that open a breaker. @default 5 */
  readonly failureThreshold: number;
  /** How long an open breaker rejects calls, in milliseconds. @default 30000 */
  readonly openDurationMs: number;
}

/** One assistant mode of the WebSocket protocol: a persona with its system prompt. */
export interface AssistantModeConfig {
  /** Prepended to the conversation as a system message; none when absent. */
  readonly system?: string;
}

/** The assistant modes clients pick with `mode` on /ws/assistant. */
export interface AssistantConfig {
  /** The mode of messages naming none, or naming one not configured. @default 'general' */
  readonly defaultMode: string;
  /** Modes by name. @default general and strategist */
  readonly modes: Readonly<Record<string, AssistantModeConfig>>;
}

/** Bounds of the conversation history of /ws/assistant sessions. */
export interface SessionLimits {
  /** Turns kept per session. @default 20 */
  readonly maxMessages: number;
  /** Bytes of history kept per session (oldest turns go first). @default 262144 */
  readonly maxSessionBytes: number;
  /** Sessions kept per user (the least recently used goes first). @default 16 */
  readonly maxSessionsPerUser: number;
  /** Bytes of history kept in memory in all (in-memory store only). @default 67108864 */
  readonly maxTotalBytes: number;
}

/** Model calls in flight per user. */
export interface ConcurrencyConfig {
  /**
   * Calls one user may have in flight at once, for tiers that set no `concurrency` of their own
   * (the presets do: FREE 2, BASIC 5, PRO 20, ENTERPRISE 100). @default 8
   */
  readonly perUser: number;
  /** How long a call waits for a free slot before a 429. @default 2000 */
  readonly maxWaitMs: number;
}

/** Time limits of every model call (see @breakwater/llm-stream). */
export interface StreamLimitsConfig {
  /** Milliseconds to the first content of an attempt; then the next model takes over. @default 60000 */
  readonly firstTokenTimeoutMs: number;
  /** Longest gap between contents once streaming; then the stream ends with an error. @default 60000 */
  readonly idleTimeoutMs: number;
  /** Longest whole call, retries and failover included. @default 900000 */
  readonly deadlineMs: number;
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
  /**
   * Anonymous clients (addresses, IPv6 grouped by /56) whose rate-limit counters are kept in
   * memory; the least recently seen is forgotten beyond it. Users with keys are never evicted.
   * @default 100000
   */
  readonly maxAnonymousClients: number;
  /** Trust X-Forwarded-For for the client address (only behind a proxy you run). @default false */
  readonly trustProxy: boolean;
  /**
   * Prices (US dollars per token) of upstream model ids that the built-in price table lacks
   * (a self-hosted model, a new release), keyed by upstream id; they override the table. The
   * mock models are priced already. An unpriced model's requests are counted apart, with a
   * warning once per model. @default {}
   */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Fastify logger: on (JSON lines on stdout), off, or on with lines written to `destination`. @default true */
  readonly logger: boolean | { readonly destination: { write(line: string): void } };
  /** Environment the provider keys and base URLs are read from. @default process.env */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Origins (`https://app.example.com`, or `*`) browsers may call the HTTP routes from (CORS)
   * and open WebSockets from. WebSockets from the gateway's own host and localhost are always allowed.
   * @default []
   */
  readonly allowedOrigins: readonly string[];
  /** Task-type labels kept in metrics. @default { allow: [chat, code, summary, analysis, translation, strategy_audit], budget: 20 } */
  readonly taskTypes: TaskTypeConfig;
  readonly assistant: AssistantConfig;
  readonly sessions: SessionLimits;
  readonly concurrency: ConcurrencyConfig;
  readonly streamLimits: StreamLimitsConfig;
}

/** The assistant modes when the config names none. */
export const defaultAssistant: AssistantConfig = {
  defaultMode: 'general',
  modes: {
    general: {},
    strategist: {
      system:
        'You are a business strategist. Audit the situation you are given: goals, market, ' +
        'competition, risks. Answer with concrete, prioritized recommendations.',
    },
  },
};

/** The defaults: the mock model twice (so failover has somewhere to go), then the real providers. */
export const defaultModels: readonly ModelConfig[] = [
  { name: 'mock', provider: 'mock' },
  { name: 'mock-backup', provider: 'mock' },
  {
    name: 'gpt-4o',
    provider: 'openai',
    upstreamModel: 'gpt-5.5',
    upstreamModelEnv: 'OPENAI_MODEL',
    apiKeyEnv: 'OPENAI_API_KEY',
    baseUrlEnv: 'OPENAI_BASE_URL',
  },
  {
    name: 'claude-3-sonnet',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    upstreamModelEnv: 'ANTHROPIC_MODEL',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
  },
  {
    name: 'gemini-pro',
    provider: 'gemini',
    upstreamModel: 'gemini-pro-latest',
    upstreamModelEnv: 'GEMINI_MODEL',
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
    prices: input.prices ?? {},
    adminToken: input.adminToken,
    redisUrl: input.redisUrl,
    redisTimeoutMs: input.redisTimeoutMs ?? 250,
    bodyLimitBytes: input.bodyLimitBytes ?? 1_048_576,
    cache: { enabled: true, maxEntries: 1000, ttlMs: 300_000, ...input.cache },
    breaker: { failureThreshold: 5, openDurationMs: 30_000, ...input.breaker },
    tiers: input.tiers ?? {},
    retry: input.retry ?? { maxRetries: 1, baseDelayMs: 200 },
    maxAnonymousClients: input.maxAnonymousClients ?? 100_000,
    trustProxy: input.trustProxy ?? false,
    logger: input.logger ?? true,
    env: input.env ?? process.env,
    allowedOrigins: input.allowedOrigins ?? [],
    taskTypes: {
      allow: ['chat', 'code', 'summary', 'analysis', 'translation', 'strategy_audit'],
      budget: 20,
      ...input.taskTypes,
    },
    assistant: { ...defaultAssistant, ...input.assistant },
    concurrency: { perUser: 8, maxWaitMs: 2000, ...input.concurrency },
    streamLimits: {
      firstTokenTimeoutMs: 60_000,
      idleTimeoutMs: 60_000,
      deadlineMs: 900_000,
      ...input.streamLimits,
    },
    sessions: {
      maxMessages: 20,
      maxSessionBytes: 262_144,
      maxSessionsPerUser: 16,
      maxTotalBytes: 67_108_864,
      ...input.sessions,
    },
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
    if (
      model.concurrency !== undefined &&
      !(Number.isSafeInteger(model.concurrency) && model.concurrency >= 1)
    ) {
      throw new RangeError(
        `model ${model.name}: concurrency must be an integer ≥ 1, got ${model.concurrency}`,
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
  if (!Object.hasOwn(config.assistant.modes, config.assistant.defaultMode)) {
    throw new TypeError(
      `assistant.defaultMode ${JSON.stringify(config.assistant.defaultMode)} is not one of assistant.modes`,
    );
  }
  for (const [name, value] of [
    ...Object.entries(config.sessions).map(([key, value]) => [`sessions.${key}`, value] as const),
    ...Object.entries(config.streamLimits).map(
      ([key, value]) => [`streamLimits.${key}`, value] as const,
    ),
    ['concurrency.perUser', config.concurrency.perUser] as const,
  ]) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(config.taskTypes.budget) || config.taskTypes.budget < 0) {
    throw new RangeError(`taskTypes.budget must be an integer ≥ 0, got ${config.taskTypes.budget}`);
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
 * `GATEWAY_API_KEYS_FILE` (a JSON array of {@link ApiKeyConfig}), `TRUST_PROXY`,
 * `ALLOWED_ORIGINS` (comma-separated).
 *
 * Relative paths in `GATEWAY_CONFIG` and `GATEWAY_API_KEYS_FILE` are relative to where the
 * user ran the command: `INIT_CWD` (set by pnpm and npm, which run scripts in the package's
 * directory) when present, else `cwd`. The default `gateway.config.json` is read from `cwd`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = process.cwd(),
): GatewayConfig {
  let file: Partial<GatewayConfig> = {};
  const userCwd = env.INIT_CWD || cwd;
  try {
    file = (
      env.GATEWAY_CONFIG
        ? readJson(env.GATEWAY_CONFIG, userCwd)
        : readJson('gateway.config.json', cwd)
    ) as Partial<GatewayConfig>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing || env.GATEWAY_CONFIG) throw error;
  }
  const apiKeys = [...(file.apiKeys ?? [])];
  if (env.GATEWAY_API_KEYS_FILE) {
    apiKeys.push(...(readJson(env.GATEWAY_API_KEYS_FILE, userCwd) as ApiKeyConfig[]));
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
    allowedOrigins: env.ALLOWED_ORIGINS
      ? env.ALLOWED_ORIGINS.split(',')
          .map((origin) => origin.trim())
          .filter(Boolean)
      : file.allowedOrigins,
    apiKeys,
    env,
  });
}
