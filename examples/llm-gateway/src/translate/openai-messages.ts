/**
 * Reads an OpenAI Chat Completions request into the pieces the Anthropic and Gemini
 * translations need: system text, turns of typed parts, tools and the tool choice. Anything
 * a translation cannot carry is reported as a {@link TranslationRefusal} naming the field.
 */

/** Why a request cannot be translated: the field, and what about it. */
export class TranslationRefusal extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.name = 'TranslationRefusal';
    this.param = param;
  }
}

/** One piece of a turn, provider-neutral. */
export type TurnPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly url: string }
  | { readonly type: 'image-data'; readonly mediaType: string; readonly data: string }
  | {
      readonly type: 'tool-call';
      readonly id: string;
      readonly name: string;
      readonly input: Record<string, unknown>;
    }
  | {
      readonly type: 'tool-result';
      readonly callId: string;
      readonly name: string;
      readonly content: string;
    };

/** A turn of the conversation: the user's (tool results included) or the model's. */
export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly parts: TurnPart[];
}

/** A function tool offered to the model. */
export interface FunctionTool {
  readonly name: string;
  readonly description?: string;
  readonly parameters: Record<string, unknown>;
}

/** The tool choice, provider-neutral. */
export type ToolChoice =
  | { readonly mode: 'auto' | 'required' | 'none' }
  | { readonly mode: 'named'; readonly name: string };

/** A request read for translation. */
export interface ReadRequest {
  readonly system: string | undefined;
  readonly turns: Turn[];
  readonly tools: FunctionTool[];
  readonly toolChoice: ToolChoice | undefined;
  /** `parallel_tool_calls: false`. */
  readonly sequentialTools: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)$/i;

function textOf(content: unknown, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new TranslationRefusal(param, 'content of this shape');
  return content
    .map((part, index) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      throw new TranslationRefusal(
        `${param}[${index}]`,
        `${String((part as Json)?.type)} parts here`,
      );
    })
    .join('');
}

function userParts(content: unknown, param: string): TurnPart[] {
  if (typeof content === 'string' || content === null || content === undefined) {
    return [{ type: 'text', text: textOf(content, param) }];
  }
  if (!Array.isArray(content)) throw new TranslationRefusal(param, 'content of this shape');
  return content.map((part, index): TurnPart => {
    const where = `${param}[${index}]`;
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') {
      return { type: 'text', text: part.text };
    }
    if (isObject(part) && part.type === 'image_url' && isObject(part.image_url)) {
      const url = String(part.image_url.url ?? '');
      const data = DATA_URL.exec(url);
      if (data) return { type: 'image-data', mediaType: data[1]!, data: data[2]! };
      if (/^https:\/\//.test(url)) return { type: 'image', url };
      throw new TranslationRefusal(
        `${where}.image_url.url`,
        'image URLs other than https: or base64 data:',
      );
    }
    throw new TranslationRefusal(where, `${String((part as Json)?.type)} content parts`);
  });
}

function toolCallParts(calls: unknown, param: string): TurnPart[] {
  if (!Array.isArray(calls)) throw new TranslationRefusal(param, 'tool_calls of this shape');
  return calls.map((call, index): TurnPart => {
    const where = `${param}[${index}]`;
    if (!isObject(call) || call.type !== 'function' || !isObject(call.function)) {
      throw new TranslationRefusal(where, 'tool calls other than function calls');
    }
    let input: unknown;
    try {
      input = JSON.parse(String(call.function.arguments ?? '{}') || '{}');
    } catch {
      throw new TranslationRefusal(`${where}.function.arguments`, 'arguments that are not JSON');
    }
    if (!isObject(input)) {
      throw new TranslationRefusal(
        `${where}.function.arguments`,
        'arguments that are not a JSON object',
      );
    }
    return { type: 'tool-call', id: String(call.id), name: String(call.function.name), input };
  });
}

/** Reads the messages: system text apart, then turns with consecutive same-role turns merged. */
function readMessages(messages: readonly unknown[]): { system: string | undefined; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: Turn['role'], parts: TurnPart[]) => {
    const last = turns.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else turns.push({ role, parts });
  };
  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (!isObject(message)) throw new TranslationRefusal(param, 'messages of this shape');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content, `${param}.content`));
        return;
      case 'user':
        push('user', userParts(message.content, `${param}.content`));
        return;
      case 'assistant': {
        const text = textOf(message.content, `${param}.content`);
        const calls =
          message.tool_calls === undefined
            ? []
            : toolCallParts(message.tool_calls, `${param}.tool_calls`);
        for (const call of calls) if (call.type === 'tool-call') toolNames.set(call.id, call.name);
        push('assistant', [...(text ? [{ type: 'text' as const, text }] : []), ...calls]);
        return;
      }
      case 'tool': {
        const callId = String(message.tool_call_id ?? '');
        const name = toolNames.get(callId);
        if (name === undefined) {
          throw new TranslationRefusal(
            `${param}.tool_call_id`,
            'a tool result without its earlier tool call',
          );
        }
        push('user', [
          {
            type: 'tool-result',
            callId,
            name,
            content: textOf(message.content, `${param}.content`),
          },
        ]);
        return;
      }
      default:
        throw new TranslationRefusal(`${param}.role`, `the ${String(message.role)} role`);
    }
  });
  return { system: system.length > 0 ? system.join('\n\n') : undefined, turns };
}

function readTools(tools: unknown): FunctionTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new TranslationRefusal('tools', 'tools of this shape');
  return tools.map((tool, index) => {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) {
      throw new TranslationRefusal(`tools[${index}]`, 'tools other than function tools');
    }
    const fn = tool.function;
    return {
      name: String(fn.name),
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}

function readToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'required' || choice === 'none') return { mode: choice };
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function)) {
    return { mode: 'named', name: String(choice.function.name) };
  }
  throw new TranslationRefusal('tool_choice', 'this tool_choice');
}

/** Reads a request; throws {@link TranslationRefusal} for what no translation can carry. */
export function readRequest(
  messages: readonly unknown[],
  fields: Readonly<Record<string, unknown>>,
): ReadRequest {
  return {
    ...readMessages(messages),
    tools: readTools(fields.tools),
    toolChoice: readToolChoice(fields.tool_choice),
    sequentialTools: fields.parallel_tool_calls === false,
  };
}

/** `stop` as a list of strings. */
export function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return stop;
  throw new TranslationRefusal('stop', 'stop of this shape');
}

/** Refuses every field outside `handled`. */
export function refuseOthers(
  fields: Readonly<Record<string, unknown>>,
  handled: ReadonlySet<string>,
  provider: string,
): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!handled.has(name) && value !== null && value !== undefined) {
      throw new TranslationRefusal(name, `\`${name}\` on ${provider}`);
    }
  }
}
