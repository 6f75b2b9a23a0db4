/** JSON schemas of every route's input; Fastify validates each request against them. */
import { taskTypeSchema } from './task-type.js';

const name = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9._:@-]+$',
} as const;

/** A path parameter naming a user, breaker, stream or session. */
export const nameParam = (key: string) =>
  ({
    type: 'object',
    required: [key],
    additionalProperties: false,
    properties: { [key]: name },
  }) as const;

/** Routes without a body still reject one, so nothing unvalidated slips through. */
export const emptyQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Query of routes that browsers open as WebSockets. */
export const apiKeyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { api_key: { type: 'string', maxLength: 512 } },
} as const;

const messageContent = {
  anyOf: [
    { type: 'string', maxLength: 200_000 },
    {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', minLength: 1, maxLength: 64 },
          text: { type: 'string', maxLength: 200_000 },
        },
      },
    },
    { type: 'null' },
  ],
} as const;

/**
 * Body of POST /v1/chat/completions: the OpenAI chat.completions request. The fields the
 * gateway reads are validated here; every other field is passed to the provider unchanged
 * (bounded by the body limit and the JSON depth limit).
 */
export const chatCompletionsBody = {
  type: 'object',
  required: ['messages'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 128 },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: {
            type: 'string',
            enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'],
          },
          content: messageContent,
          name: { type: 'string', maxLength: 128 },
          tool_call_id: { type: 'string', maxLength: 256 },
          tool_calls: { type: 'array', maxItems: 128, items: { type: 'object' } },
        },
      },
    },
    stream: { type: ['boolean', 'null'] },
    stream_options: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        include_usage: { type: ['boolean', 'null'] },
        include_obfuscation: { type: ['boolean', 'null'] },
      },
    },
    max_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 32_768 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 32_768 },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    user: { type: 'string', maxLength: 256 },
    metadata: {
      type: ['object', 'null'],
      maxProperties: 16,
      propertyNames: { maxLength: 64 },
      additionalProperties: { type: 'string', maxLength: 512 },
      properties: { task_type: taskTypeSchema },
    },
  },
} as const;

/** Body of POST /api/chat. */
export const chatBody = {
  type: 'object',
  required: ['message'],
  additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 100_000 },
    model: { type: 'string', minLength: 1, maxLength: 128 },
    task_type: taskTypeSchema,
    max_tokens: { type: 'integer', minimum: 1, maximum: 32_768 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    system: { type: 'string', maxLength: 20_000 },
  },
} as const;
