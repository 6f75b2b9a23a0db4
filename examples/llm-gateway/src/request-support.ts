import type { OpenAIPassthrough, UnsupportedRequest } from './model-catalog.js';

/** Fields the mock model may ignore without changing what a client can expect. */
export const MOCK_IGNORED_FIELDS: ReadonlySet<string> = new Set([
  'temperature',
  'top_p',
  'user',
  'seed',
  'stop',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'service_tier',
  'store',
  'parallel_tool_calls',
  'prompt_cache_key',
  'safety_identifier',
  'reasoning_effort',
]);

const TEXT_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Why a message is more than text (a tool call, a tool result, an image...), if it is. */
function nonTextPart(message: unknown, index: number): UnsupportedRequest | undefined {
  const record = message as { role?: unknown; content?: unknown; tool_calls?: unknown };
  const param = `messages[${index}]`;
  if (!TEXT_ROLES.has(String(record.role)) || record.tool_calls !== undefined) {
    return { param, message: 'tool calls and tool results' };
  }
  if (Array.isArray(record.content)) {
    const part = record.content.findIndex(
      (item) => (item as { type?: unknown } | null)?.type !== 'text',
    );
    if (part !== -1) {
      const type = String((record.content[part] as { type?: unknown } | null)?.type);
      return { param: `${param}.content[${part}]`, message: `${type} content parts` };
    }
  }
  return undefined;
}

/**
 * A check for providers that take text conversations only: refuses any request field outside
 * `accepted`, and any message that is not plain text, naming the field.
 */
export function textOnly(
  provider: string,
  accepted: ReadonlySet<string>,
): (openai: OpenAIPassthrough | undefined) => UnsupportedRequest | undefined {
  return (openai) => {
    if (!openai) return undefined;
    for (const field of Object.keys(openai.fields)) {
      if (!accepted.has(field) && openai.fields[field] !== null) {
        return {
          param: field,
          message: `The ${provider} models of this gateway do not support \`${field}\`; use an OpenAI model or leave it out.`,
        };
      }
    }
    for (const [index, message] of openai.messages.entries()) {
      const refused = nonTextPart(message, index);
      if (refused) {
        return {
          param: refused.param,
          message: `The ${provider} models of this gateway do not support ${refused.message}; use an OpenAI model or send text only.`,
        };
      }
    }
    return undefined;
  };
}

/** True when a request offers tools or replays tool calls (never cached, always streamed upstream). */
export function requestsTools(openai: OpenAIPassthrough | undefined): boolean {
  if (!openai) return false;
  if (openai.fields.tools !== undefined || openai.fields.tool_choice !== undefined) return true;
  return openai.messages.some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      ((message as { role?: unknown }).role === 'tool' ||
        (message as { tool_calls?: unknown }).tool_calls !== undefined),
  );
}
