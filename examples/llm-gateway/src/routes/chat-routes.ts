import {
  pipeSse,
  type StreamEndEvent,
  type StreamEvent,
  toWireEvent,
} from '@breakwater/llm-stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RefusedTurn, StartedTurn } from '../chat-pipeline.js';
import type { OpenAIPassthrough } from '../model-catalog.js';
import {
  type CollectedAnswer,
  createAnswerCollector,
  createOpenAIChunkSerializer,
  openAICompletion,
} from '../openai-wire.js';
import { problem, sendProblem } from '../problem.js';
import { chatBody, chatCompletionsBody, emptyQuery } from '../schemas.js';
import type { ChatMessage } from '../session-store.js';
import { DEFAULT_TASK_TYPE } from '../task-type.js';

interface OpenAIMessage {
  role: string;
  content?: string | null | Array<{ type: string; text?: string }>;
}

interface ChatCompletionsRequest {
  model?: string;
  messages: OpenAIMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  metadata?: Record<string, string> | null;
  [field: string]: unknown;
}

/** Request fields the gateway itself acts on; every other field goes to the provider as sent. */
const OWNED_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'metadata',
]);

/** The client's request minus the fields the gateway owns, for OpenAI-style providers. */
function passthroughOf(body: ChatCompletionsRequest): OpenAIPassthrough {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!OWNED_FIELDS.has(name)) fields[name] = value;
  }
  return { messages: body.messages, fields };
}

interface ChatRequest {
  message: string;
  model?: string;
  task_type?: string;
  max_tokens?: number;
  temperature?: number;
  system?: string;
}

/** OpenAI messages reduced to text turns, for the mock model (tool and developer turns read as system context). */
function toChatMessages(messages: readonly OpenAIMessage[]): ChatMessage[] {
  return messages.map((message) => {
    const content =
      typeof message.content === 'string'
        ? message.content
        : Array.isArray(message.content)
          ? message.content.map((part) => part.text ?? '').join('')
          : '';
    const role = message.role === 'user' || message.role === 'assistant' ? message.role : 'system';
    return { role, content };
  });
}

/** Aborted when the client closes the connection before the response is complete. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  };
  // A client may leave while the body is read or the limiter decides: 'close' has then fired already.
  if (reply.raw.destroyed || reply.raw.socket === null || reply.raw.socket.destroyed) {
    onClose();
    return controller.signal;
  }
  // The response's 'close' before it finished is the client going away (the request's is not).
  reply.raw.once('close', onClose);
  return controller.signal;
}

/** Status and problem for a stream that ended without an answer (non-streaming routes). */
function endProblem(end: Exclude<StreamEndEvent, { type: 'complete' }>) {
  if (end.type === 'cancelled') {
    return {
      status: 503,
      headers: {},
      body: problem(503, {
        code: 'cancelled',
        detail: `The request was cancelled: ${end.reason}.`,
      }),
    };
  }
  const status = end.code === 'CIRCUIT_OPEN' || end.code === 'RATE_LIMITED' ? 503 : 502;
  const retrySeconds =
    end.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(end.retryAfterMs / 1000));
  return {
    status,
    headers: (retrySeconds === undefined ? {} : { 'Retry-After': String(retrySeconds) }) as Record<
      string,
      string
    >,
    body: problem(status, {
      code: end.code.toLowerCase(),
      detail: end.message,
      retryable: end.retryable,
    }),
  };
}

function refuse(reply: FastifyReply, turn: RefusedTurn): FastifyReply {
  return sendProblem(reply, turn.problem, turn.headers);
}

/** POST /v1/chat/completions (OpenAI-compatible) and POST /api/chat (SSE of llm-stream events). */
export const chatRoutes: FastifyPluginAsync = async (app) => {
  app.limiter.protect(app);

  app.post<{ Body: ChatCompletionsRequest }>(
    '/v1/chat/completions',
    { config: { auth: 'user' }, schema: { body: chatCompletionsBody, querystring: emptyQuery } },
    async (request, reply) => {
      const body = request.body;
      const signal = disconnectSignal(reply);
      const turn = await app.chat({
        identity: request.identity!,
        model: body.model,
        messages: toChatMessages(body.messages),
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
        temperature: body.temperature ?? undefined,
        taskType: body.metadata?.task_type ?? DEFAULT_TASK_TYPE,
        openai: passthroughOf(body),
        endpoint: '/v1/chat/completions',
        signal,
        stream: body.stream === true,
      });
      if (!turn.ok) return refuse(reply, turn);
      const created = Math.floor(Date.now() / 1000);
      if (body.stream) {
        await pipeSse(turn.stream, reply, {
          headers: { ...reply.getHeaders(), ...turn.headers } as Record<string, string>,
          serialize: createOpenAIChunkSerializer({
            includeUsage: body.stream_options?.include_usage === true,
            created,
          }),
        });
        await turn.settled;
        return reply;
      }
      return completeTurn(reply, turn, (end, answer) => openAICompletion(end, answer, created));
    },
  );

  app.post<{ Body: ChatRequest }>(
    '/api/chat',
    { config: { auth: 'user' }, schema: { body: chatBody, querystring: emptyQuery } },
    async (request, reply) => {
      const body = request.body;
      const messages: ChatMessage[] = [
        ...(body.system ? [{ role: 'system' as const, content: body.system }] : []),
        { role: 'user', content: body.message },
      ];
      const turn = await app.chat({
        identity: request.identity!,
        model: body.model,
        messages,
        maxTokens: body.max_tokens,
        temperature: body.temperature,
        taskType: body.task_type ?? DEFAULT_TASK_TYPE,
        endpoint: '/api/chat',
        signal: disconnectSignal(reply),
      });
      if (!turn.ok) return refuse(reply, turn);
      await pipeSse(turn.stream, reply, {
        headers: {
          ...reply.getHeaders(),
          ...turn.headers,
          'x-stream-id': turn.stream.id,
        } as Record<string, string>,
        serialize: turn.cached ? markCached : undefined,
      });
      await turn.settled;
      return reply;
    },
  );
};

/** The default `event: <type>` framing, with `cached: true` on a replayed answer's start event. */
function markCached(event: StreamEvent): string {
  const wire = toWireEvent(event);
  const data = event.type === 'start' ? { ...wire, cached: true } : wire;
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Reads a whole stream and answers once, with a body built from its text, tool calls and reasoning. */
async function completeTurn(
  reply: FastifyReply,
  turn: StartedTurn,
  build: (end: StreamEndEvent & { type: 'complete' }, answer: CollectedAnswer) => unknown,
): Promise<FastifyReply> {
  const collector = createAnswerCollector();
  // consume(), not for-await: one callback per event instead of a promise per event.
  const end = await turn.stream.consume(collector.read);
  await turn.settled;
  for (const [name, value] of Object.entries(turn.headers)) reply.header(name, value);
  if (end.type === 'complete') return reply.send(build(end, collector.answer));
  const failed = endProblem(end);
  return sendProblem(reply, failed.body, failed.headers);
}
