import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { ProblemError, problem } from '../problem.js';
import { emptyQuery, nameParam } from '../schemas.js';

/** Folder holding the page's files. */
const PUBLIC_DIR = new URL('../../public/', import.meta.url);

const SCRIPT = 'text/javascript; charset=utf-8';

/** The page's files: request path → file name and media type. Nothing else is served from disk. */
const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/playground/playground.css', file: 'playground.css', type: 'text/css; charset=utf-8' },
  { path: '/playground/favicon.svg', file: 'favicon.svg', type: 'image/svg+xml' },
  { path: '/playground/playground.js', file: 'playground.js', type: SCRIPT },
  { path: '/playground/chat.js', file: 'chat.js', type: SCRIPT },
  { path: '/playground/status.js', file: 'status.js', type: SCRIPT },
  { path: '/playground/gateway-client.js', file: 'gateway-client.js', type: SCRIPT },
  { path: '/playground/page.js', file: 'page.js', type: SCRIPT },
] as const;

/**
 * Same-origin scripts, styles and connections only (`connect-src 'self'` covers the page's own
 * WebSocket); no inline code, no frames, and DOM sinks need Trusted Types, so text can never become markup.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const STATIC_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
} as const;

const outageBody = {
  type: 'object',
  required: ['failing'],
  additionalProperties: false,
  properties: { failing: { type: 'boolean' } },
} as const;

/**
 * The playground: the page at `/` (static files, read once at start), `GET /api/playground`
 * (who the caller is, the models with their breaker, price and mock outage switch, the
 * assistant modes and task types), and, when a mock model is configured, the admin route that
 * makes it fail or recover.
 */
export const playgroundRoutes: FastifyPluginAsync = async (app) => {
  const { catalog, gatewayConfig } = app;
  const { costCalculator } = app.metrics;

  for (const entry of FILES) {
    const body = await readFile(new URL(entry.file, PUBLIC_DIR));
    app.get(
      entry.path,
      { config: { auth: 'public' }, schema: { querystring: emptyQuery } },
      async (_request, reply) => reply.headers(STATIC_HEADERS).type(entry.type).send(body),
    );
  }

  app.get(
    '/api/playground',
    { config: { auth: 'user' }, schema: { querystring: emptyQuery } },
    async (request) => {
      const identity = request.identity!;
      return {
        user_id: identity.userId,
        tier: identity.tier,
        anonymous: identity.anonymous,
        models: catalog.models.map((model) => {
          const price = costCalculator.resolve(model.upstreamModel);
          return {
            name: model.name,
            breaker: model.breakerName,
            mock: model.outage ? { failing: model.outage.failing } : null,
            price: price
              ? {
                  usd_per_input_token: price.inputPerToken,
                  usd_per_output_token: price.outputPerToken,
                }
              : null,
          };
        }),
        assistant: {
          default_mode: gatewayConfig.assistant.defaultMode,
          modes: Object.keys(gatewayConfig.assistant.modes),
        },
        task_types: gatewayConfig.taskTypes.allow,
      };
    },
  );

  if (!catalog.models.some((model) => model.outage)) return;

  app.put<{ Params: { model: string }; Body: { failing: boolean } }>(
    '/api/playground/mock-outage/:model',
    {
      config: { auth: 'admin' },
      schema: { params: nameParam('model'), querystring: emptyQuery, body: outageBody },
    },
    async (request) => {
      const outage = catalog.get(request.params.model)?.outage;
      if (!outage) {
        throw new ProblemError(
          problem(404, {
            code: 'mock_model_not_found',
            detail: `No mock model named ${request.params.model}.`,
          }),
        );
      }
      outage.failing = request.body.failing;
      request.log.info({ model: request.params.model, failing: outage.failing }, 'mock outage');
      return { model: request.params.model, failing: outage.failing };
    },
  );
};
