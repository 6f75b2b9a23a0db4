import type { FastifyPluginAsync } from 'fastify';
import type { ModelRuntime } from '../model-catalog.js';
import { problem, sendProblem } from '../problem.js';
import { emptyQuery } from '../schemas.js';

/** The time the gateway started, as the `created` of every model it serves (epoch seconds). */
const STARTED = Math.floor(Date.now() / 1000);

/** A model in OpenAI's `model` object shape. */
function modelObject(model: ModelRuntime) {
  return { id: model.name, object: 'model', created: STARTED, owned_by: model.provider };
}

/** GET /v1/models and GET /v1/models/{id}, in OpenAI's shapes (the enabled models only). */
export const modelRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/v1/models',
    { config: { auth: 'user' }, schema: { querystring: emptyQuery } },
    async () => ({ object: 'list', data: app.catalog.models.map(modelObject) }),
  );

  app.get<{ Params: { model: string } }>(
    '/v1/models/:model',
    {
      config: { auth: 'user' },
      schema: {
        querystring: emptyQuery,
        params: {
          type: 'object',
          required: ['model'],
          additionalProperties: false,
          properties: { model: { type: 'string', minLength: 1, maxLength: 128 } },
        },
      },
    },
    async (request, reply) => {
      const model = app.catalog.get(request.params.model);
      if (model) return modelObject(model);
      return sendProblem(
        reply,
        problem(404, {
          code: 'model_not_found',
          param: 'model',
          detail:
            'The model does not exist or is not served here; GET /v1/models lists the models.',
        }),
      );
    },
  );
};
