import { pipeWebSocket } from '@breakwater/llm-stream';
import { formatRateLimitHeaders } from '@breakwater/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import {
  type AssistantServerMessage,
  createAssistantSerializer,
  wholeAnswerChunk,
} from '../assistant-wire.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../hooks/json-body-parser.js';
import type { Identity } from '../identity.js';
import { problem, sendProblem } from '../problem.js';
import { apiKeyQuery, nameParam } from '../schemas.js';
import type { ChatMessage } from '../session-store.js';
import { DEFAULT_TASK_TYPE, taskTypeProblem } from '../task-type.js';

/** A client message of the /ws/assistant protocol, validated. */
export interface AssistantRequest {
  readonly message: string;
  /** The assistant mode asked for (a persona from the config); unknown modes get the default. */
  readonly mode: string | undefined;
  /** `false`: the whole answer as one chunk, just before stream_end. @default true */
  readonly stream: boolean;
  readonly task_type: string;
  readonly model?: string;
}

type Parsed =
  | { ok: true; value: AssistantRequest }
  | { ok: false; message: string }
  | { ok: 'cancel' };

const FIELDS = new Set(['type', 'user_id', 'message', 'mode', 'stream', 'task_type', 'model']);

function boundedString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/** Validates one client message against the protocol (WebSocket frames bypass Fastify's schemas). */
export function parseAssistantMessage(raw: string): Parsed {
  if (jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return { ok: false, message: `message nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'message is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, message: 'message must be a JSON object' };
  }
  const record = data as Record<string, unknown>;
  if (record.type === 'cancel') return { ok: 'cancel' };
  const unknown = Object.keys(record).find((key) => !FIELDS.has(key));
  if (unknown)
    return { ok: false, message: `unknown field ${JSON.stringify(unknown.slice(0, 64))}` };
  const { message, mode, stream = true, task_type: taskType = DEFAULT_TASK_TYPE, model } = record;
  if (record.type !== undefined && record.type !== 'message') {
    return { ok: false, message: "type must be 'message' or 'cancel'" };
  }
  if (!boundedString(message, 100_000)) {
    return { ok: false, message: 'message must be a string of 1 to 100000 characters' };
  }
  if (mode !== undefined && !boundedString(mode, 64)) {
    return { ok: false, message: 'mode must be a string of 1 to 64 characters' };
  }
  if (typeof stream !== 'boolean') return { ok: false, message: 'stream must be true or false' };
  const taskTypeRefusal = taskTypeProblem(taskType);
  if (taskTypeRefusal) return { ok: false, message: taskTypeRefusal };
  if (model !== undefined && !boundedString(model, 128)) {
    return { ok: false, message: 'model must be a string of 1 to 128 characters' };
  }
  if (record.user_id !== undefined && !boundedString(record.user_id, 128)) {
    return { ok: false, message: 'user_id must be a string of 1 to 128 characters' };
  }
  return {
    ok: true,
    value: { message, mode, stream, task_type: taskType as string, model },
  };
}

/** Messages a socket may have waiting behind the answer in progress. */
const MAX_QUEUED_MESSAGES = 4;

/** WebSocket /ws/assistant/{session_id}: one conversation, answered one message at a time, in order. */
export const assistantSocket: FastifyPluginAsync = async (app) => {
  const { metrics, sessions, limiter } = app;
  const databaseBreaker = app.breakers.get('database');
  const modes = app.gatewayConfig.assistant;

  /** The system prompt of a mode: its own, or the default mode's for names not configured. */
  const systemPromptOf = (mode: string | undefined): string | undefined => {
    const chosen =
      mode !== undefined && Object.hasOwn(modes.modes, mode) ? mode : modes.defaultMode;
    return modes.modes[chosen]?.system;
  };

  const send = (socket: WebSocket, message: AssistantServerMessage) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
    metrics.recordWebSocketMessage('outbound');
  };

  async function database<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const value = await databaseBreaker.execute(fn);
      metrics.recordDbOperation({
        system: sessions.system,
        operation,
        durationMs: performance.now() - started,
      });
      return value;
    } catch (error) {
      metrics.recordDbOperation({
        system: sessions.system,
        operation,
        durationMs: performance.now() - started,
        status: 'error',
      });
      app.log.warn({ err: error }, `session store ${operation} failed; continuing without history`);
      return undefined;
    }
  }

  app.route<{ Params: { session_id: string }; Querystring: { api_key?: string } }>({
    method: 'GET',
    url: '/ws/assistant/:session_id',
    config: { auth: 'user', websocket: true },
    schema: { params: nameParam('session_id'), querystring: apiKeyQuery },
    // A plain GET (no upgrade) learns what the route wants.
    handler: (_request, reply) =>
      sendProblem(
        reply,
        problem(426, {
          code: 'upgrade_required',
          detail: 'This route speaks WebSocket only: send Upgrade: websocket.',
        }),
        { Upgrade: 'websocket', Connection: 'Upgrade' },
      ),
    wsHandler: (socket, request) => {
      const identity = request.identity as Identity;
      // Sessions are per user: another caller using the same id gets another conversation.
      const sessionId = request.params.session_id;
      // The stream being answered now, for cancel; later messages wait in `queue`, in order.
      let current: { cancel(reason?: string): boolean } | undefined;
      let queue: Promise<void> = Promise.resolve();
      let waiting = 0;
      let warnedMalformed = false;
      app.assistantSockets.add(socket);
      metrics.recordWebSocketOpen();

      const refuseFrame = (message: string) => {
        send(socket, { type: 'error', code: 'invalid_message', message });
        // Once per connection, without a stack: a misbehaving client must not flood the log.
        if (!warnedMalformed) {
          warnedMalformed = true;
          request.log.warn(
            { session: request.params.session_id, reason: message },
            'malformed WebSocket message (logged once per connection)',
          );
        }
      };

      socket.on('close', () => {
        app.assistantSockets.delete(socket);
        metrics.recordWebSocketClose();
        current?.cancel('client_disconnected');
      });

      socket.on('message', (data, isBinary) => {
        metrics.recordWebSocketMessage('inbound');
        if (isBinary) {
          refuseFrame('send text frames with JSON');
          return;
        }
        const parsed = parseAssistantMessage(data.toString());
        if (parsed.ok === 'cancel') {
          current?.cancel('cancelled_by_client');
          return;
        }
        if (!parsed.ok) {
          refuseFrame(parsed.message);
          return;
        }
        if (waiting >= MAX_QUEUED_MESSAGES) {
          send(socket, {
            type: 'error',
            code: 'busy',
            message: `${MAX_QUEUED_MESSAGES} messages are already waiting on this socket; send {"type":"cancel"} or wait`,
          });
          return;
        }
        const input = parsed.value;
        waiting++;
        queue = queue
          .then(() => (socket.readyState === socket.OPEN ? handle(input) : undefined))
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'assistant turn failed');
            send(socket, {
              type: 'error',
              code: 'internal_error',
              message: 'the gateway failed to handle the message',
            });
          })
          .finally(() => {
            waiting--;
            current = undefined;
          });
      });

      async function handle(input: AssistantRequest) {
        const decision = await limiter.check(identity, '/ws/assistant');
        if (!decision.allowed && decision.shadow !== true) {
          send(socket, {
            type: 'error',
            code: 'rate_limited',
            message: `rate limit exceeded (${formatRateLimitHeaders(decision).RateLimit ?? decision.tier})`,
            retry_after_ms: decision.retryAfterMs,
          });
          return;
        }
        const history =
          (await database('load_history', () => sessions.history(identity.userId, sessionId))) ??
          [];
        const userTurn: ChatMessage = { role: 'user', content: input.message };
        const system = systemPromptOf(input.mode);
        const turn = await app.chat({
          identity,
          model: input.model,
          messages: [
            ...(system ? [{ role: 'system' as const, content: system }] : []),
            ...history,
            userTurn,
          ],
          taskType: input.task_type,
          endpoint: '/ws/assistant',
        });
        if (!turn.ok) {
          send(socket, {
            type: 'error',
            code: turn.problem.code ?? 'refused',
            message: turn.problem.detail ?? turn.problem.title,
            ...(typeof turn.problem.retry_after_ms === 'number'
              ? { retry_after_ms: turn.problem.retry_after_ms }
              : {}),
          });
          return;
        }
        current = turn.stream;
        if (socket.readyState !== socket.OPEN) turn.stream.cancel('client_disconnected');
        const serialize = createAssistantSerializer(turn.cached);
        let answer = '';
        const end = await pipeWebSocket(turn.stream, socket, {
          serialize: (event) => {
            if (event.type === 'chunk') answer += event.content;
            // `stream: false` sends the whole answer as one chunk just before stream_end.
            if (!input.stream && event.type === 'chunk') return null;
            if (!input.stream && event.type === 'complete') {
              send(socket, wholeAnswerChunk(event, answer));
            }
            metrics.recordWebSocketMessage('outbound');
            return serialize(event);
          },
        });
        await turn.settled;
        if (end.type === 'complete') {
          await database('append_history', () =>
            sessions.append(identity.userId, sessionId, [
              userTurn,
              { role: 'assistant', content: answer },
            ]),
          );
        }
      }
    },
  });
};
