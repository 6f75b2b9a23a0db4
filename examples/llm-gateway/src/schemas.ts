/** JSON schemas of every route's input; Fastify validates each request against them. */

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
        properties: { type: { type: 'string' }, text: { type: 'string', maxLength: 200_000 } },
      },
    },
    { type: 'null' },
  ],
} as const;

/** Body of POST /v1/chat/completions: the OpenAI chat.completions request (extra fields are ignored). */
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
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: messageContent,
          name: { type: 'string', maxLength: 128 },
        },
      },
    },
    stream: { type: 'boolean' },
    stream_options: { type: ['object', 'null'] },
    max_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 32_768 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 32_768 },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    user: { type: 'string', maxLength: 256 },
    metadata: { type: ['object', 'null'] },
  },
} as const;

/** The task types cost is broken down by. */
export const taskTypes = ['chat', 'code', 'summary', 'analysis', 'translation', 'other'] as const;

/** Body of POST /api/chat. */
export const chatBody = {
  type: 'object',
  required: ['message'],
  additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 100_000 },
    model: { type: 'string', minLength: 1, maxLength: 128 },
    task_type: { type: 'string', enum: taskTypes },
    max_tokens: { type: 'integer', minimum: 1, maximum: 32_768 },
    system: { type: 'string', maxLength: 20_000 },
  },
} as const;

/** A message a client sends over /ws/assistant/{session_id}. */
export const assistantMessage = {
  type: 'object',
  required: ['message'],
  additionalProperties: false,
  properties: {
    /** Informational only: identity comes from the API key, never from this field. */
    user_id: { type: 'string', maxLength: 128 },
    message: { type: 'string', minLength: 1, maxLength: 100_000 },
    mode: { type: 'string', enum: ['stream', 'complete'] },
    task_type: { type: 'string', enum: taskTypes },
    model: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;
