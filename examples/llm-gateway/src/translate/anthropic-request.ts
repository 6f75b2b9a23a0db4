import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import {
  type ReadRequest,
  readRequest,
  refuseOthers,
  stopSequences,
  TranslationRefusal,
  type TurnPart,
} from './openai-messages.js';

/** Request fields the Anthropic translation carries (the rest are refused). */
const HANDLED = new Set([
  'temperature',
  'top_p',
  'stop',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
]);

type Params = Omit<MessageCreateParamsNonStreaming, 'stream'>;
type Block = Params['messages'][number]['content'] extends string | Array<infer B> ? B : never;

function block(part: TurnPart): Block {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image', source: { type: 'url', url: part.url } };
    case 'image-data':
      return {
        type: 'image',
        source: {
          type: 'base64',
          media_type: part.mediaType as 'image/png',
          data: part.data,
        },
      };
    case 'tool-call':
      return { type: 'tool_use', id: part.id, name: part.name, input: part.input };
    case 'tool-result':
      return { type: 'tool_result', tool_use_id: part.callId, content: part.content };
  }
}

function toolChoice(read: ReadRequest): Params['tool_choice'] {
  const disable = read.sequentialTools ? { disable_parallel_tool_use: true } : {};
  const choice = read.toolChoice;
  if (!choice) return read.sequentialTools ? { type: 'auto', ...disable } : undefined;
  switch (choice.mode) {
    case 'none':
      return { type: 'none' };
    case 'auto':
      return { type: 'auto', ...disable };
    case 'required':
      return { type: 'any', ...disable };
    case 'named':
      return { type: 'tool', name: choice.name, ...disable };
  }
}

/**
 * An OpenAI Chat Completions request as Anthropic Messages params: system and developer text
 * as `system`, images as image blocks, assistant tool calls as `tool_use`, tool results as
 * `tool_result`, function tools with their JSON schema as `input_schema`, `tool_choice` and
 * `parallel_tool_calls: false` as Anthropic's, `stop` as `stop_sequences`, `user` as
 * `metadata.user_id`. Throws {@link TranslationRefusal} for JSON output and other fields.
 */
export function toAnthropicParams(
  model: string,
  maxTokens: number,
  messages: readonly unknown[],
  fields: Readonly<Record<string, unknown>>,
): Params {
  refuseOthers(fields, HANDLED, 'anthropic');
  const format = fields.response_format as { type?: unknown } | null | undefined;
  if (format && format.type !== 'text') {
    throw new TranslationRefusal('response_format', 'JSON output (response_format) on anthropic');
  }
  const read = readRequest(messages, fields);
  const choice = toolChoice(read);
  const stop = stopSequences(fields.stop);
  const temperature = fields.temperature;
  return {
    model,
    max_tokens: maxTokens,
    ...(read.system ? { system: read.system } : {}),
    messages: read.turns.map((turn) => ({
      role: turn.role,
      content: turn.parts.filter((part) => part.type !== 'text' || part.text !== '').map(block),
    })),
    ...(read.tools.length > 0
      ? {
          tools: read.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            input_schema: tool.parameters as { type: 'object' },
          })),
        }
      : {}),
    ...(choice ? { tool_choice: choice } : {}),
    ...(stop ? { stop_sequences: stop } : {}),
    ...(typeof temperature === 'number' ? { temperature: Math.min(1, temperature) } : {}),
    ...(typeof fields.top_p === 'number' ? { top_p: fields.top_p } : {}),
    ...(typeof fields.user === 'string' ? { metadata: { user_id: fields.user } } : {}),
  };
}
