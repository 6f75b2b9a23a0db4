/** A tool call whose arguments are complete, parsed when they are valid JSON. */
export interface AssembledToolCall {
  readonly toolCallIndex: number;
  readonly toolCallId: string;
  readonly toolName: string;
  readonly arguments: string;
  readonly input: unknown;
  readonly parseError: string | null;
  readonly signature: string | null;
}

interface OpenCall {
  readonly id: string;
  readonly name: string;
  arguments: string;
}

/**
 * Assembles the parts of one attempt that arrive in pieces: the open reasoning block (its text,
 * until a signature or another part closes it) and the open tool calls (their argument deltas,
 * keyed by index, until their end). A broken sequence (a delta for a call that never started) is
 * a TypeError: the adapter broke its contract.
 */
export class OutputAssembler {
  #reasoning: string | null = null;
  readonly #calls = new Map<number, OpenCall>();
  #toolCalls = 0;

  /** Tool calls completed or started in this attempt. */
  get toolCalls(): number {
    return this.#toolCalls;
  }

  get reasoningOpen(): boolean {
    return this.#reasoning !== null;
  }

  reset(): void {
    this.#reasoning = null;
    this.#calls.clear();
    this.#toolCalls = 0;
  }

  addReasoning(text: string): void {
    this.#reasoning = (this.#reasoning ?? '') + text;
  }

  /** Closes the open reasoning block; returns its whole text, or null when none was open. */
  endReasoning(): string | null {
    const text = this.#reasoning;
    this.#reasoning = null;
    return text;
  }

  startCall(index: number, id: string, name: string): void {
    if (!Number.isInteger(index) || index < 0) {
      throw new TypeError(`tool-call-start: index must be an integer ≥ 0, got ${index}`);
    }
    if (this.#calls.has(index)) {
      throw new TypeError(`tool-call-start: call ${index} started twice`);
    }
    this.#calls.set(index, { id, name, arguments: '' });
    this.#toolCalls++;
  }

  /** Appends an argument delta; returns the call's id. */
  addArguments(index: number, delta: string): string {
    const call = this.#open(index, 'tool-call-delta');
    call.arguments += delta;
    return call.id;
  }

  endCall(index: number, signature: string | undefined): AssembledToolCall {
    const call = this.#open(index, 'tool-call-end');
    this.#calls.delete(index);
    // A tool without parameters may stream no arguments at all (Anthropic does).
    const text = call.arguments.trim() === '' ? '{}' : call.arguments;
    let input: unknown;
    let parseError: string | null = null;
    try {
      input = JSON.parse(text);
    } catch (error) {
      parseError = `the arguments of ${call.name} (${call.id}) are not valid JSON: ${
        (error as Error).message
      }`;
    }
    return {
      toolCallIndex: index,
      toolCallId: call.id,
      toolName: call.name,
      arguments: text,
      input,
      parseError: parseError,
      signature: signature ?? null,
    };
  }

  /** Indexes of the calls still open, in order. */
  openCalls(): number[] {
    return [...this.#calls.keys()].sort((a, b) => a - b);
  }

  #open(index: number, step: string): OpenCall {
    const call = this.#calls.get(index);
    if (call === undefined) throw new TypeError(`${step}: call ${index} was never started`);
    return call;
  }
}
