import {
  ProviderError,
  type ProviderEvent,
  type ProviderStreamSource,
  toProviderError,
} from '@breakwater/llm-stream';

/** The fields of a non-streaming `chat.completion` body that {@link completionSource} reads. */
export interface ChatCompletionBody {
  readonly choices?: ReadonlyArray<{
    readonly index?: number;
    readonly message?: {
      readonly content?: string | null;
      readonly refusal?: string | null;
    } | null;
    readonly finish_reason?: string | null;
  }> | null;
  readonly usage?: {
    readonly prompt_tokens?: number;
    readonly completion_tokens?: number;
  } | null;
}

/** What {@link completionSource} needs: who answers, and the call that fetches the whole answer. */
export interface CompletionSourceSpec {
  readonly provider: string;
  readonly model: string;
  readonly maxTokens?: number;
  readonly promptChars?: number;
  /** Sends one non-streaming Chat Completions request; aborting `signal` must abort it. */
  complete(signal: AbortSignal): PromiseLike<ChatCompletionBody>;
}

/** The events of a whole answer: its text, the provider's usage, the finish reason. */
function eventsOf(body: ChatCompletionBody, provider: string): ProviderEvent[] {
  const choice = body.choices?.find((candidate) => (candidate.index ?? 0) === 0);
  if (!choice?.finish_reason) {
    throw new ProviderError({
      code: 'incomplete_stream',
      message: `${provider} answered without a finish_reason: the response is incomplete`,
      provider,
    });
  }
  const events: ProviderEvent[] = [];
  const text = choice.message?.content || choice.message?.refusal;
  if (text) events.push({ type: 'text', text });
  const usage = body.usage;
  if (usage) {
    events.push({
      type: 'usage',
      ...(usage.prompt_tokens === undefined ? {} : { inputTokens: usage.prompt_tokens }),
      ...(usage.completion_tokens === undefined ? {} : { outputTokens: usage.completion_tokens }),
    });
  }
  events.push({ type: 'finish', reason: choice.finish_reason });
  return events;
}

/**
 * A stream source over one non-streaming Chat Completions call, for clients that asked for
 * the whole answer anyway (`stream: false`). The upstream then sends one JSON body instead of
 * a frame per token, which costs both sides less; the answer still goes through llm-stream,
 * so breakers, failover, retries, cancellation, usage and metrics behave as for a stream.
 * Every failure happens before the first token, so every failure may fail over.
 */
export function completionSource(spec: CompletionSourceSpec): ProviderStreamSource {
  return {
    provider: spec.provider,
    model: spec.model,
    ...(spec.maxTokens === undefined ? {} : { maxTokens: spec.maxTokens }),
    ...(spec.promptChars === undefined ? {} : { promptChars: spec.promptChars }),
    async open(signal: AbortSignal): Promise<AsyncIterable<ProviderEvent>> {
      signal.throwIfAborted();
      let body: ChatCompletionBody;
      try {
        body = await spec.complete(signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw toProviderError(error, { provider: spec.provider });
      }
      const events = eventsOf(body, spec.provider);
      let index = 0;
      // A plain iterator over the finished answer: no generator, no promise chain per event.
      const iterator: AsyncIterator<ProviderEvent> = {
        next: () => {
          if (signal.aborted) return Promise.reject(signal.reason);
          const value = events[index++];
          return Promise.resolve(
            value === undefined ? { done: true, value: undefined } : { done: false, value },
          );
        },
        return: () => {
          index = events.length;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
      return { [Symbol.asyncIterator]: () => iterator };
    },
  };
}
