import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from './admin-routes.js';
import { assistantSocket } from './assistant-socket.js';
import { chatRoutes } from './chat-routes.js';
import { modelRoutes } from './model-routes.js';
import { playgroundRoutes } from './playground-routes.js';

/**
 * Every route plugin of the gateway, registered in this order. Each reads what it needs from
 * the instance's decorators (`app.chat`, `app.limiter`...); add a plugin by adding a line.
 */
export const routePlugins: readonly FastifyPluginAsync[] = [
  adminRoutes,
  modelRoutes,
  chatRoutes,
  assistantSocket,
  playgroundRoutes,
];
