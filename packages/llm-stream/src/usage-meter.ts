import { tokenWeight } from './estimate-tokens.js';
import type { ProviderEvent } from './provider-event.js';
import type { StreamUsage } from './stream-event.js';

type UsageReport = Extract<ProviderEvent, { type: 'usage' }>;

/** A whole token count from a sum of fractional estimates; the tolerance absorbs float drift. */
function wholeTokens(weight: number): number {
  return weight <= 1e-9 ? 0 : Math.ceil(weight - 1e-9);
}

/** A count a provider may report: a finite, non-negative integer. Anything else is ignored. */
function validCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Counts the tokens of one attempt: the provider's cumulative reports when it sends them, plus
 * an estimate of every output received since the last report (text, reasoning, tool arguments,
 * refusals). Input tokens are the request's `promptTokens` until the provider reports its own.
 */
export class UsageMeter {
  readonly #estimate: (text: string) => number;
  #promptTokens = 0;
  #reportedInput: number | undefined;
  #reportedOutput: number | undefined;
  #reportedReasoning: number | undefined;
  /** Estimated weight of the output received since the provider's last output count. */
  #sinceReport = 0;
  /** Estimated weight of all reasoning text of the attempt. */
  #reasoning = 0;
  #sawReasoning = false;

  constructor(estimateTokens: ((text: string) => number) | undefined) {
    this.#estimate = estimateTokens ?? tokenWeight;
  }

  /** Starts counting a new attempt on a source whose prompt costs `promptTokens`. */
  reset(promptTokens: number): void {
    this.#promptTokens = promptTokens;
    this.#reportedInput = undefined;
    this.#reportedOutput = undefined;
    this.#reportedReasoning = undefined;
    this.#sinceReport = 0;
    this.#reasoning = 0;
    this.#sawReasoning = false;
  }

  /** Counts a piece of output (`reasoning` marks thinking text); returns its estimated tokens. */
  add(text: string, reasoning = false): number {
    const weight = this.#estimate(text);
    this.#sinceReport += weight;
    if (reasoning) {
      this.#reasoning += weight;
      this.#sawReasoning = true;
    }
    return weight;
  }

  /** Takes the provider's cumulative counts; a count that is not a non-negative integer is ignored. */
  report(usage: UsageReport): void {
    const input = validCount(usage.inputTokens);
    const output = validCount(usage.outputTokens);
    const reasoning = validCount(usage.reasoningTokens);
    if (input !== undefined) this.#reportedInput = input;
    if (reasoning !== undefined) this.#reportedReasoning = reasoning;
    if (output !== undefined) {
      this.#reportedOutput = output;
      this.#sinceReport = 0;
    }
  }

  /** Output tokens so far: the provider's last count plus the estimate of what came since. */
  outputTokens(): number {
    return (this.#reportedOutput ?? 0) + wholeTokens(this.#sinceReport);
  }

  /**
   * The usage to report; `forceEstimated` for a stream that ended before the provider's final
   * count. `estimated` speaks for input and output; `reasoningTokens` is an estimate whenever
   * the provider gave no reasoning count.
   */
  usage(forceEstimated: boolean): StreamUsage {
    const output = this.outputTokens();
    const reasoning =
      this.#reportedReasoning ??
      (this.#sawReasoning ? Math.min(output, wholeTokens(this.#reasoning)) : undefined);
    return {
      inputTokens: this.#reportedInput ?? this.#promptTokens,
      outputTokens: output,
      ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
      estimated:
        forceEstimated ||
        this.#reportedInput === undefined ||
        this.#reportedOutput === undefined ||
        this.#sinceReport > 1e-9,
    };
  }
}
