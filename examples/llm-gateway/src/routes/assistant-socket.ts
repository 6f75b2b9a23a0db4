import type { CircuitBreaker } from '@breakwater/circuit-breaker';
import { pipeWebSocket } from '@breakwater/llm-stream';
import { formatRateLimitHeaders } from '@breakwater/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Gateway } from '../gateway.js';
import type { Identity } from '../identity.js';
import { apiKeyQuery, nameParam, taskTypes } from '../schemas.js';
import type { ChatMessage } from '../session-store.js';
import { type AssistantServerMessage, createAssistantSerializer } from '../wire-formats.js';

/** A client message of the /ws/assistant protocol. */
interface AssistantRequest {
  readonly message: string;
  readonly mode: 'stream' | 'complete';
  readonly task_type: string;
  readonly model?: string;
}

type Parsed =
  | { ok: true; value: AssistantRequest }
  | { ok: false; message: string }
  | { ok: 'cancel' };

/** Validates one client message against the protocol (WebSocket frames bypass Fastify's schemas). */
export function parseAssistantMessage(raw: string): Parsed {
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
  const allowed = new Set(['user_id', 'message', 'mode', 'task_type', 'model']);
  const unknown = Object.keys(record).find((key) => !allowed.has(key));
  if (unknown) return { ok: false, message: `unknown field ${JSON.stringify(unknown)}` };
  const { message, mode = 'stream', task_type: taskType = 'chat', model, user_id: userId } = record;
  if (typeof message !== 'string' || message.length === 0 || message.length > 100_000) {
    return { ok: false, message: 'message must be a string of 1 to 100000 characters' };
  }
  if (mode !== 'stream' && mode !== 'complete')
    return { ok: false, message: "mode must be 'stream' or 'complete'" };
  if (typeof taskType !== 'string' || !(taskTypes as readonly string[]).includes(taskType)) {
    return { ok: false, message: `task_type must be one of ${taskTypes.join(', ')}` };
  }
  if (
    model !== undefined &&
    (typeof model !== 'string' || model.length === 0 || model.length > 128)
  ) {
    return { ok: false, message: 'model must be a non-empty string' };
  }
  if (userId !== undefined && typeof userId !== 'string')
    return { ok: false, message: 'user_id must be a string' };
  return { ok: true, value: { message, mode, task_type: taskType, model } };
}

/** Messages a socket may have waiting behind the answer in progress. */
const MAX_QUEUED_MESSAGES = 4;

/** WebSocket /ws/assistant/{session_id}: one conversation, answered one message at a time, in order. */
export async function registerAssistantSocket(
  app: FastifyInstance,
  gateway: Gateway,
  databaseBreaker: CircuitBreaker,
): Promise<void> {
  const { metrics, sessions } = gateway;

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

  app.get<{ Params: { session_id: string }; Querystring: { api_key?: string } }>(
    '/ws/assistant/:session_id',
    {
      websocket: true,
      config: { auth: 'user' },
      schema: { params: nameParam('session_id'), querystring: apiKeyQuery },
    },
    (socket, request) => {
      const identity = request.identity as Identity;
      // Sessions are per user: another caller using the same id gets another conversation.
      const sessionKey = `${identity.userId}:${request.params.session_id}`;
      // The stream being answered now, for cancel; later messages wait in `queue`, in order.
      let current: { cancel(reason?: string): boolean } | undefined;
      let queue: Promise<void> = Promise.resolve();
      let waiting = 0;
      gateway.sockets.add(socket);
      metrics.recordWebSocketOpen();

      socket.on('close', () => {
        gateway.sockets.delete(socket);
        metrics.recordWebSocketClose();
        current?.cancel('client_disconnected');
      });

      socket.on('message', (data, isBinary) => {
        metrics.recordWebSocketMessage('inbound');
        if (isBinary) {
          send(socket, {
            type: 'error',
            code: 'invalid_message',
            message: 'send text frames with JSON',
          });
          return;
        }
        const parsed = parseAssistantMessage(data.toString());
        if (parsed.ok === 'cancel') {
          current?.cancel('cancelled_by_client');
          return;
        }
        if (!parsed.ok) {
          send(socket, { type: 'error', code: 'invalid_message', message: parsed.message });
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

        async function handle(input: AssistantRequest) {
          const decision = await gateway.limiter.check(identity, '/ws/assistant');
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
            (await database('load_history', () => sessions.history(sessionKey))) ?? [];
          const userTurn: ChatMessage = { role: 'user', content: input.message };
          const turn = await gateway.chat({
            identity,
            model: input.model,
            messages: [...history, userTurn],
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
              // `complete` mode sends the whole answer as one chunk just before stream_end.
              if (input.mode === 'complete' && event.type === 'chunk') return null;
              if (input.mode === 'complete' && event.type === 'complete') {
                send(socket, {
                  type: 'stream_chunk',
                  stream_id: event.stream_id,
                  content: answer,
                  progress_percent: 100,
                  chunk_number: 1,
                  total_tokens: event.total_tokens,
                });
              }
              metrics.recordWebSocketMessage('outbound');
              return serialize(event);
            },
          });
          await turn.settled;
          if (end.type === 'complete') {
            await database('append_history', () =>
              sessions.append(sessionKey, [userTurn, { role: 'assistant', content: answer }]),
            );
          }
        }
      });
    },
  );
}
