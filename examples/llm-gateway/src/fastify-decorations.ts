/**
 * What the gateway decorates its Fastify instance and requests with. Route plugins read these
 * (`app.chat`, `app.limiter`, `request.identity`) instead of importing the gateway.
 */
import type { BreakerRegistry } from '@breakwater/circuit-breaker';
import type { StreamManager } from '@breakwater/llm-stream';
import type { Metrics } from '@breakwater/metrics';
import type { Redis } from 'ioredis';
import type { ChatPipeline } from './chat-pipeline.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import type { GatewayConfig } from './config.js';
import type { GatewayLimiter } from './gateway-limiter.js';
import type { HealthCheck } from './health.js';
import type { Identity } from './identity.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ResponseCache } from './response-cache.js';
import type { SessionStore } from './session-store.js';
import type { TaskTypeLabels } from './task-type.js';

/** Who may call a route. */
export type RouteAuth = 'public' | 'user' | 'admin' | 'user-or-admin';

/** A socket the gateway closes on shutdown. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. @default 'public' */
    auth?: RouteAuth;
    /** The route accepts WebSocket upgrades; upgrades to any other route get a 404. @default false */
    websocket?: boolean;
  }
  interface FastifyRequest {
    /** The caller, for `user` and `user-or-admin` routes. */
    identity?: Identity;
    /** True when the admin token was presented on an `admin` or `user-or-admin` route. */
    isAdmin?: boolean;
  }
  interface FastifyInstance {
    readonly gatewayConfig: GatewayConfig;
    readonly catalog: ModelCatalog;
    readonly breakers: BreakerRegistry;
    readonly limiter: GatewayLimiter;
    /** Model calls in flight per user. */
    readonly concurrencySlots: ConcurrencySlots;
    readonly metrics: Metrics;
    /** Model streams. */
    readonly streams: StreamManager;
    /** Cache replays (kept apart so they never count as model calls). */
    readonly cacheStreams: StreamManager;
    readonly responseCache: ResponseCache | undefined;
    readonly sessions: SessionStore;
    readonly redis: Redis | undefined;
    /** The request path shared by every chat route. */
    readonly chat: ChatPipeline;
    /** Whether the gateway and its dependencies are healthy. */
    readonly health: HealthCheck;
    /** Task-type labels: validation and the metric allowlist. */
    readonly taskTypes: TaskTypeLabels;
    /** Open assistant WebSockets, closed on shutdown. */
    readonly assistantSockets: Set<ClosableSocket>;
    /** The tier of a user id: from the API keys, FREE for anonymous and unknown users. */
    tierOf(userId: string): string;
  }
}
