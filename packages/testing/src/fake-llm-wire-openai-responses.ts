import {
  type FakeLlmUsage,
  nowSeconds,
  requestId,
  sse,
  type WireAnswer,
  type WireStream,
} from './fake-llm-server-wire.js';
import { openaiStreamErrorObject, openaiStreamHeaders } from './fake-llm-wire-openai-chat.js';

/** OpenAI wire format, Responses API: the `response` body and its typed stream events. */

function responsesUsage(usage: FakeLlmUsage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function responseObject(
  answer: WireAnswer,
  createdAt: number,
  state: {
    status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
    output: unknown[];
    usage: unknown;
    error?: unknown;
    incompleteReason?: string;
  },
) {
  return {
    id: requestId('resp_', answer.requestIndex),
    object: 'response',
    created_at: createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: null,
    max_output_tokens: null,
    model: answer.model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: state.usage,
    user: null,
    metadata: {},
  };
}

type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

function messageItem(id: string, text: string, status: ItemStatus, refusal = false) {
  return {
    id,
    type: 'message',
    status,
    content:
      status === 'in_progress'
        ? []
        : [
            refusal
              ? { type: 'refusal', refusal: text }
              : { type: 'output_text', annotations: [], logprobs: [], text },
          ],
    role: 'assistant',
  };
}

function incompleteReasonOf(answer: WireAnswer): string | undefined {
  return answer.finishReason === 'length'
    ? 'max_output_tokens'
    : answer.finishReason === 'content_filter'
      ? 'content_filter'
      : undefined;
}

function terminalOf(answer: WireAnswer, createdAt: number, output: unknown[]) {
  const incompleteReason = incompleteReasonOf(answer);
  return {
    type: incompleteReason ? 'response.incomplete' : 'response.completed',
    response: responseObject(answer, createdAt, {
      status: incompleteReason ? 'incomplete' : 'completed',
      output,
      usage: responsesUsage(answer.usage),
      ...(incompleteReason ? { incompleteReason } : {}),
    }),
  };
}

/** A `response` body (non-streaming Responses API). */
export function openaiResponsesJson(answer: WireAnswer): string {
  const status = incompleteReasonOf(answer) ? 'incomplete' : 'completed';
  const message = messageItem(requestId('msg_', answer.requestIndex), answer.text, status);
  return JSON.stringify(terminalOf(answer, nowSeconds(), [message]).response);
}

/** The item being streamed: a message (text or refusal), a reasoning summary or a function call. */
type OpenItem =
  | { kind: 'message'; id: string; outputIndex: number; text: string; refusal: boolean }
  | { kind: 'reasoning'; id: string; outputIndex: number; text: string }
  | {
      kind: 'function_call';
      id: string;
      outputIndex: number;
      callId: string;
      name: string;
      arguments: string;
    };

/**
 * Responses API SSE: named events (`event: response.output_text.delta`), each with a
 * `sequence_number`, from `response.created` to `response.completed` (or
 * `response.incomplete`); failures are `response.failed` or an `error` event. Each output item
 * opens with `response.output_item.added` when its first step arrives and closes with
 * `response.output_item.done` when another item starts or the answer ends: a message
 * (`output_text` or `refusal` deltas), a reasoning summary (`reasoning_summary_text` deltas) or a
 * function call (`function_call_arguments` deltas, whose item `id` differs from its `call_id`).
 */
export function openaiResponsesStream(answer: WireAnswer): WireStream {
  const createdAt = nowSeconds();
  let sequence = 0;
  let items = 0;
  let open: OpenItem | undefined;
  const done: unknown[] = [];
  const event = (type: string, fields: Record<string, unknown>) =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const inProgress = () =>
    responseObject(answer, createdAt, { status: 'in_progress', output: [], usage: null });
  const itemId = (prefix: string) =>
    items === 0
      ? requestId(prefix, answer.requestIndex)
      : `${requestId(prefix, answer.requestIndex)}_${items}`;
  const finalStatus: ItemStatus = incompleteReasonOf(answer) ? 'incomplete' : 'completed';

  const close = (): string[] => {
    const item = open;
    if (item === undefined) return [];
    open = undefined;
    const at = { item_id: item.id, output_index: item.outputIndex };
    if (item.kind === 'message') {
      const final = messageItem(item.id, item.text, finalStatus, item.refusal);
      done.push(final);
      const part = item.refusal
        ? { type: 'refusal', refusal: item.text }
        : { type: 'output_text', annotations: [], logprobs: [], text: item.text };
      return [
        item.refusal
          ? event('response.refusal.done', { ...at, content_index: 0, refusal: item.text })
          : event('response.output_text.done', {
              ...at,
              content_index: 0,
              text: item.text,
              logprobs: [],
            }),
        event('response.content_part.done', { ...at, content_index: 0, part }),
        event('response.output_item.done', { output_index: item.outputIndex, item: final }),
      ];
    }
    if (item.kind === 'reasoning') {
      const part = { type: 'summary_text', text: item.text };
      const final = { id: item.id, type: 'reasoning', summary: [part] };
      done.push(final);
      return [
        event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text }),
        event('response.reasoning_summary_part.done', { ...at, summary_index: 0, part }),
        event('response.output_item.done', { output_index: item.outputIndex, item: final }),
      ];
    }
    const final = {
      id: item.id,
      type: 'function_call',
      status: 'completed',
      call_id: item.callId,
      name: item.name,
      arguments: item.arguments,
    };
    done.push(final);
    return [
      event('response.function_call_arguments.done', {
        ...at,
        name: item.name,
        arguments: item.arguments,
      }),
      event('response.output_item.done', { output_index: item.outputIndex, item: final }),
    ];
  };

  const openMessage = (refusal: boolean): string[] => {
    if (open?.kind === 'message' && open.refusal === refusal) return [];
    const frames = close();
    const item: OpenItem = {
      kind: 'message',
      id: itemId('msg_'),
      outputIndex: items++,
      text: '',
      refusal,
    };
    open = item;
    return [
      ...frames,
      event('response.output_item.added', {
        output_index: item.outputIndex,
        item: messageItem(item.id, '', 'in_progress'),
      }),
      event('response.content_part.added', {
        item_id: item.id,
        output_index: item.outputIndex,
        content_index: 0,
        part: refusal
          ? { type: 'refusal', refusal: '' }
          : { type: 'output_text', annotations: [], logprobs: [], text: '' },
      }),
    ];
  };

  return {
    headers: openaiStreamHeaders(answer.requestIndex),
    start: () => [
      event('response.created', { response: inProgress() }),
      event('response.in_progress', { response: inProgress() }),
    ],
    step: (step) => {
      switch (step.kind) {
        case 'text':
        case 'refusal': {
          const refusal = step.kind === 'refusal';
          const frames = openMessage(refusal);
          const item = open as Extract<OpenItem, { kind: 'message' }>;
          item.text += step.text;
          const at = { item_id: item.id, output_index: item.outputIndex, content_index: 0 };
          return [
            ...frames,
            refusal
              ? event('response.refusal.delta', { ...at, delta: step.text })
              : event('response.output_text.delta', {
                  ...at,
                  delta: step.text,
                  logprobs: [],
                  obfuscation: 'k2P',
                }),
          ];
        }
        case 'reasoning': {
          let frames: string[] = [];
          if (open?.kind !== 'reasoning') {
            frames = close();
            const id = itemId('rs_');
            open = { kind: 'reasoning', id, outputIndex: items++, text: '' };
            frames.push(
              event('response.output_item.added', {
                output_index: open.outputIndex,
                item: { id, type: 'reasoning', summary: [] },
              }),
              event('response.reasoning_summary_part.added', {
                item_id: id,
                output_index: open.outputIndex,
                summary_index: 0,
                part: { type: 'summary_text', text: '' },
              }),
            );
          }
          const item = open as Extract<OpenItem, { kind: 'reasoning' }>;
          item.text += step.text;
          return [
            ...frames,
            event('response.reasoning_summary_text.delta', {
              item_id: item.id,
              output_index: item.outputIndex,
              summary_index: 0,
              delta: step.text,
              obfuscation: 'r7T',
            }),
          ];
        }
        case 'tool-call-start': {
          const frames = close();
          const id = itemId('fc_');
          const item: OpenItem = {
            kind: 'function_call',
            id,
            outputIndex: items++,
            callId: step.id,
            name: step.name,
            arguments: '',
          };
          open = item;
          return [
            ...frames,
            event('response.output_item.added', {
              output_index: item.outputIndex,
              item: {
                id,
                type: 'function_call',
                status: 'in_progress',
                call_id: step.id,
                name: step.name,
                arguments: '',
              },
            }),
          ];
        }
        case 'tool-call-delta': {
          if (open?.kind !== 'function_call') return [];
          open.arguments += step.fragment;
          return [
            event('response.function_call_arguments.delta', {
              item_id: open.id,
              output_index: open.outputIndex,
              delta: step.fragment,
              obfuscation: 'f1Q',
            }),
          ];
        }
        case 'tool-call-end':
          return close();
        default:
          return [];
      }
    },
    ping: () => [],
    finish: () => {
      const frames = close();
      const terminal = terminalOf(answer, createdAt, done);
      return [...frames, event(terminal.type, { response: terminal.response })];
    },
    error: (kind, message, responsesEvent) => {
      const detail = openaiStreamErrorObject(kind, message);
      const code = kind === 'rate_limited' ? 'rate_limit_exceeded' : 'server_error';
      if (responsesEvent === 'error') {
        return [event('error', { code, message: detail.message, param: null })];
      }
      return [
        event('response.failed', {
          response: responseObject(answer, createdAt, {
            status: 'failed',
            output: [],
            usage: null,
            error: { code, message: detail.message },
          }),
        }),
      ];
    },
  };
}
