import { abortableSleep } from '../abortable-sleep.js';
import type { ProviderEvent, ProviderStreamSource } from '../provider-event.js';

/** One step of a scripted upstream: an event to yield, a pause, or a failure. */
export type ScriptStep = ProviderEvent | { readonly wait: number } | { readonly fail: unknown };

/** A source that replays a script and records what the stream did to it. */
export interface ScriptedSource extends ProviderStreamSource {
  /** Events handed out by the iterator so far. */
  readonly pulls: number;
  readonly opens: number;
  /** The signal of the latest open(). */
  readonly signal: AbortSignal | undefined;
}

/**
 * A test source: `open` may fail (`openFailures` errors, one per attempt), then the iterator
 * replays `steps` with fake-timer-friendly waits.
 */
export function scriptedSource(
  steps: readonly ScriptStep[],
  options: {
    model?: string;
    provider?: string;
    maxTokens?: number;
    promptTokens?: number;
    openFailures?: readonly unknown[];
  } = {},
): ScriptedSource {
  let pulls = 0;
  let opens = 0;
  let signal: AbortSignal | undefined;
  const failures = [...(options.openFailures ?? [])];
  async function* run(active: AbortSignal): AsyncGenerator<ProviderEvent> {
    for (const step of steps) {
      if ('wait' in step) {
        await abortableSleep(step.wait, active);
        continue;
      }
      if ('fail' in step) throw step.fail;
      pulls++;
      yield step;
    }
  }
  return {
    provider: options.provider ?? 'script',
    model: options.model ?? 'script-1',
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.promptTokens === undefined ? {} : { promptTokens: options.promptTokens }),
    get pulls() {
      return pulls;
    },
    get opens() {
      return opens;
    },
    get signal() {
      return signal;
    },
    async open(active: AbortSignal) {
      opens++;
      signal = active;
      if (failures.length > 0) throw failures.shift();
      return run(active);
    },
  };
}

/** `n` text events of four characters each (`w000`, ` w01`, ...): one estimated token each. */
export function words(n: number): ProviderEvent[] {
  return Array.from({ length: n }, (_, index) => ({
    type: 'text' as const,
    text: index === 0 ? 'w000' : ` w${String(index % 100).padStart(2, '0')}`,
  }));
}

/** An error shaped like an SDK API error. */
export function apiError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers });
}
