import type { Content, GenerateContentParameters, Part } from '@google/genai';
import {
  type ReadRequest,
  readRequest,
  refuseOthers,
  stopSequences,
  TranslationRefusal,
  type TurnPart,
} from './openai-messages.js';

/** Request fields the Gemini translation carries (the rest are refused). */
const HANDLED = new Set([
  'temperature',
  'top_p',
  'stop',
  'seed',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
]);

function part(turnPart: TurnPart): Part {
  switch (turnPart.type) {
    case 'text':
      return { text: turnPart.text };
    case 'image-data':
      return { inlineData: { mimeType: turnPart.mediaType, data: turnPart.data } };
    case 'image':
      throw new TranslationRefusal(
        'messages',
        'image URLs on gemini (send them as base64 data: URLs)',
      );
    case 'tool-call':
      return { functionCall: { id: turnPart.id, name: turnPart.name, args: turnPart.input } };
    case 'tool-result': {
      let response: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(turnPart.content);
        response =
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : { output: parsed };
      } catch {
        response = { output: turnPart.content };
      }
      return { functionResponse: { id: turnPart.callId, name: turnPart.name, response } };
    }
  }
}

function toolConfig(read: ReadRequest) {
  const choice = read.toolChoice;
  if (!choice) return undefined;
  if (choice.mode === 'named') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
  const mode = { auto: 'AUTO', required: 'ANY', none: 'NONE' }[choice.mode];
  return { functionCallingConfig: { mode } };
}

function jsonOutput(format: unknown): Record<string, unknown> {
  if (format === undefined || format === null) return {};
  const value = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (value.type === 'text') return {};
  if (value.type === 'json_object') return { responseMimeType: 'application/json' };
  if (value.type === 'json_schema' && value.json_schema?.schema !== undefined) {
    return { responseMimeType: 'application/json', responseJsonSchema: value.json_schema.schema };
  }
  throw new TranslationRefusal('response_format', 'this response_format on gemini');
}

/**
 * An OpenAI Chat Completions request as Gemini `generateContent` params: system and developer
 * text as `systemInstruction`, base64 images as `inlineData`, assistant tool calls as
 * `functionCall`, tool results as `functionResponse`, function tools as `functionDeclarations`
 * (their JSON schema as `parametersJsonSchema`), `tool_choice` as `toolConfig`,
 * `response_format` JSON as `responseMimeType` (and `responseJsonSchema`), `stop`, `top_p`,
 * `seed`. `user` is accepted and not sent. Throws {@link TranslationRefusal} otherwise.
 */
export function toGeminiParams(
  model: string,
  maxTokens: number,
  messages: readonly unknown[],
  fields: Readonly<Record<string, unknown>>,
): GenerateContentParameters {
  refuseOthers(fields, HANDLED, 'gemini');
  const read = readRequest(messages, fields);
  const contents: Content[] = read.turns.map((turn) => ({
    role: turn.role === 'assistant' ? 'model' : 'user',
    parts: turn.parts.filter((item) => item.type !== 'text' || item.text !== '').map(part),
  }));
  const stop = stopSequences(fields.stop);
  const tools = read.tools.length
    ? [
        {
          functionDeclarations: read.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            parametersJsonSchema: tool.parameters,
          })),
        },
      ]
    : undefined;
  const config = toolConfig(read);
  return {
    model,
    contents,
    config: {
      maxOutputTokens: maxTokens,
      ...(read.system ? { systemInstruction: read.system } : {}),
      ...(typeof fields.temperature === 'number' ? { temperature: fields.temperature } : {}),
      ...(typeof fields.top_p === 'number' ? { topP: fields.top_p } : {}),
      ...(typeof fields.seed === 'number' ? { seed: fields.seed } : {}),
      ...(stop ? { stopSequences: stop } : {}),
      ...(tools ? { tools } : {}),
      ...(config ? { toolConfig: config as never } : {}),
      ...jsonOutput(fields.response_format),
    },
  };
}
