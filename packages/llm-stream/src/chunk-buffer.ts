/**
 * Text gathered into one chunk until it is big enough (`tokens`) or old enough (`maxDelayMs`
 * since its first piece). It only holds text; the stream decides when to flush it.
 */
export class ChunkBuffer {
  readonly #tokens: number;
  readonly #maxDelayMs: number;
  #text = '';
  #weight = 0;
  #startedAt = 0;

  constructor(tokens: number, maxDelayMs: number) {
    this.#tokens = tokens;
    this.#maxDelayMs = maxDelayMs;
  }

  get empty(): boolean {
    return this.#text === '';
  }

  /** Adds a piece weighing `weight` tokens; returns true once the buffer holds enough tokens to flush. */
  add(text: string, weight: number, now: number): boolean {
    if (this.#text === '') this.#startedAt = now;
    this.#text += text;
    this.#weight += weight;
    return this.#weight >= this.#tokens - 1e-9;
  }

  /** Milliseconds until the buffer must be flushed by age (≤ 0: now). */
  dueIn(now: number): number {
    return this.#startedAt + this.#maxDelayMs - now;
  }

  /** Empties the buffer and returns its text. */
  take(): string {
    const text = this.#text;
    this.#text = '';
    this.#weight = 0;
    return text;
  }
}
