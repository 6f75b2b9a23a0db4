import {
  type NormalizedFinishReason,
  normalizeFinishReason,
} from './adapters/normalize-finish-reason.js';
import { ChunkBuffer } from './chunk-buffer.js';
import { OutputAssembler } from './output-assembler.js';
import type { ProviderEvent, ProviderStreamSource } from './provider-event.js';
import type { StreamEvent, StreamEventBase, StreamPartEvent, StreamUsage } from './stream-event.js';
import type { ResolvedStreamOptions } from './stream-options.js';
import { UsageMeter } from './usage-meter.js';

/** The stream an output reports to. */
export interface OutputHost {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  /** Passes an event to the reader (and the manager). */
  deliver(event: StreamEvent): void;
  /** Content arrived (the first content too). */
  content(): void;
}

/** Input tokens of a source's prompt, as the source counted them. */
function promptTokensOf(source: ProviderStreamSource): number {
  if (source.promptTokens !== undefined) return source.promptTokens;
  return source.promptChars === undefined ? 0 : Math.ceil(source.promptChars / 4);
}

/**
 * The output side of a managed stream: turns provider events into `chunk` and part events,
 * gathering text in the buffer, counting tokens, and tracking progress. A provider report
 * re-bases the token total (it may go down); progress never does.
 */
export class StreamOutput {
  readonly #host: OutputHost;
  readonly #options: ResolvedStreamOptions;
  readonly #clock: () => number;
  readonly #startedAt: number;
  readonly #meter: UsageMeter;
  readonly #parts = new OutputAssembler();
  readonly #buffer: ChunkBuffer | null;
  #progressBasis: number | undefined;
  #firstContentAt: number | null = null;
  #chunkNumber = 0;
  /** Output tokens at the last chunk. */
  #lastTotal = 0;
  #lastProgress: number | null = null;
  #providerFinishReason: string | null = null;

  constructor(host: OutputHost, options: ResolvedStreamOptions, startedAt: number) {
    this.#host = host;
    this.#options = options;
    this.#clock = options.clock;
    this.#startedAt = startedAt;
    this.#meter = new UsageMeter(options.estimateTokens);
    this.#buffer =
      options.bufferTokens === 0
        ? null
        : new ChunkBuffer(options.bufferTokens, options.bufferDelayMs);
    this.useSource(options.entries[0]!.source);
  }

  /** Epoch milliseconds of the first content; null before it. */
  get firstContentAt(): number | null {
    return this.#firstContentAt;
  }

  get chunkNumber(): number {
    return this.#chunkNumber;
  }

  /** The stream moved to `source` (a failover): its prompt and its output budget count now. */
  useSource(source: ProviderStreamSource): void {
    const basis = this.#options.expectedTokens ?? source.maxTokens;
    this.#progressBasis = basis !== undefined && basis > 0 ? basis : undefined;
    this.#meter.reset(promptTokensOf(source));
  }

  /** A new attempt on `source`: nothing of the failed one counts. */
  startAttempt(source: ProviderStreamSource): void {
    this.#meter.reset(promptTokensOf(source));
    this.#parts.reset();
    this.#providerFinishReason = null;
  }

  /** True while the buffer holds text. */
  get holdsText(): boolean {
    return this.#buffer !== null && !this.#buffer.empty;
  }

  /** Milliseconds until the buffered text is due (≤ 0: now); only while {@link holdsText}. */
  bufferDueIn(now: number): number {
    return this.#buffer === null ? 0 : this.#buffer.dueIn(now);
  }

  /**
   * Turns one provider event into stream events; a broken part sequence throws a TypeError.
   * Events that come once per delta (text, reasoning, tool arguments) spell out their fields:
   * a spread would build a second object per delta.
   */
  read(event: ProviderEvent): void {
    switch (event.type) {
      case 'text':
        if (event.text !== '') this.#onText(event.text);
        return;
      case 'usage':
        this.#meter.report(event);
        return;
      case 'finish':
        this.#providerFinishReason = event.reason;
        return;
      case 'reasoning':
        if (event.text === '') return;
        this.#beforePart(true);
        this.#meter.add(event.text, true);
        this.#parts.addReasoning(event.text);
        this.#emitPart({
          type: 'reasoning',
          streamId: this.#host.id,
          model: this.#host.model,
          provider: this.#host.provider,
          content: event.text,
        });
        return;
      case 'reasoning-end': {
        const content = this.#parts.endReasoning();
        if (content === null && event.signature === undefined) return;
        this.#beforePart(true);
        this.#emitPart({
          type: 'reasoning_end',
          ...this.#base(),
          content: content ?? '',
          signature: event.signature ?? null,
        });
        return;
      }
      case 'redacted-reasoning':
        this.#beforePart(false);
        this.#emitPart({ type: 'redacted_reasoning', ...this.#base(), data: event.data });
        return;
      case 'tool-call-start':
        this.#beforePart(false);
        this.#meter.add(event.name);
        this.#parts.startCall(event.index, event.id, event.name);
        this.#emitPart({
          type: 'tool_call_start',
          ...this.#base(),
          toolCallIndex: event.index,
          toolCallId: event.id,
          toolName: event.name,
        });
        return;
      case 'tool-call-delta': {
        if (event.argumentsDelta === '') return;
        const id = this.#parts.addArguments(event.index, event.argumentsDelta);
        this.#beforePart(false);
        this.#meter.add(event.argumentsDelta);
        this.#emitPart({
          type: 'tool_call_delta',
          streamId: this.#host.id,
          model: this.#host.model,
          provider: this.#host.provider,
          toolCallIndex: event.index,
          toolCallId: id,
          argumentsDelta: event.argumentsDelta,
        });
        return;
      }
      case 'tool-call-end':
        this.#beforePart(false);
        this.#emitPart({
          type: 'tool_call',
          ...this.#base(),
          ...this.#parts.endCall(event.index, event.signature),
        });
        return;
      case 'refusal':
        if (event.text === '') return;
        this.#beforePart(false);
        this.#meter.add(event.text);
        this.#emitPart({ type: 'refusal', ...this.#base(), content: event.text });
        return;
    }
  }

  /** Turns the buffered text into one chunk event. */
  flush(): void {
    if (this.#buffer === null || this.#buffer.empty) return;
    this.#emitChunk(this.#buffer.take());
  }

  /** At a normal end: the buffer, the open reasoning block and the open tool calls are delivered. */
  finishParts(): void {
    this.flush();
    this.#closeReasoning();
    for (const index of this.#parts.openCalls()) {
      this.#emitPart({
        type: 'tool_call',
        ...this.#base(),
        ...this.#parts.endCall(index, undefined),
      });
    }
  }

  /**
   * The normalized finish reason and the provider's own. A response that called tools stopped to
   * call them, whatever the provider named it; a source that gave no reason stopped normally.
   */
  finishReason(): { normalized: NormalizedFinishReason; raw: string | null } {
    const raw = this.#providerFinishReason;
    const normalized = raw === null ? 'stop' : normalizeFinishReason(raw);
    return {
      normalized: this.#parts.toolCalls > 0 && normalized === 'stop' ? 'tool_calls' : normalized,
      raw,
    };
  }

  usage(forceEstimated: boolean): StreamUsage {
    return this.#meter.usage(forceEstimated);
  }

  /** Output tokens so far: the provider's latest count plus the estimate of what came since. */
  currentTotal(): number {
    return this.#meter.outputTokens();
  }

  /** Percent of the basis to one decimal, capped at 100, never below the last one; null without a basis. */
  progress(total: number): number | null {
    const basis = this.#progressBasis;
    if (basis === undefined) return null;
    const percent = Math.min(100, Math.round((total * 1000) / basis) / 10);
    this.#lastProgress = Math.max(this.#lastProgress ?? 0, percent);
    return this.#lastProgress;
  }

  /** Output tokens per second after the first content; 0 without tokens, null without time to measure. */
  tokensPerSecond(total: number, now: number): number | null {
    if (this.#firstContentAt === null || total === 0) return 0;
    // All output within one clock reading (a cache hit, a coarse clock): no rate can be measured.
    if (now <= this.#firstContentAt) return null;
    return Math.round((total / ((now - this.#firstContentAt) / 1000)) * 10) / 10;
  }

  #onText(text: string): void {
    const weight = this.#meter.add(text);
    const first = this.#firstContentAt === null;
    if (this.#parts.reasoningOpen) this.#closeReasoning();
    if (first) this.#firstContent();
    const buffer = this.#buffer;
    if (buffer === null || (first && !this.#options.holdFirstToken)) {
      this.flush();
      this.#emitChunk(text);
      return;
    }
    if (buffer.add(text, weight, this.#clock())) this.flush();
  }

  /** Before a non-text part: buffered text goes first, and a reasoning block ends at any other part. */
  #beforePart(reasoning: boolean): void {
    this.flush();
    if (!reasoning && this.#parts.reasoningOpen) this.#closeReasoning();
    if (this.#firstContentAt === null) this.#firstContent();
  }

  #closeReasoning(): void {
    const content = this.#parts.endReasoning();
    if (content !== null) {
      this.#emitPart({ type: 'reasoning_end', ...this.#base(), content, signature: null });
    }
  }

  #firstContent(): void {
    this.#firstContentAt = this.#clock();
  }

  #emitPart(event: StreamPartEvent): void {
    this.#host.content();
    this.#host.deliver(event);
  }

  #emitChunk(content: string): void {
    this.#host.content();
    const now = this.#clock();
    const total = this.currentTotal();
    const previous = this.#lastTotal;
    this.#lastTotal = total;
    this.#host.deliver({
      type: 'chunk',
      streamId: this.#host.id,
      model: this.#host.model,
      provider: this.#host.provider,
      chunkNumber: ++this.#chunkNumber,
      content,
      tokensInChunk: total > previous ? total - previous : 0,
      totalTokens: total,
      elapsedSeconds: (now - this.#startedAt) / 1000,
      progressPercent: this.progress(total),
      timestamp: now,
    });
  }

  #base(): StreamEventBase {
    return { streamId: this.#host.id, model: this.#host.model, provider: this.#host.provider };
  }
}
