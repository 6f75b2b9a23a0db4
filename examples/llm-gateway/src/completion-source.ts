import {
  createSimulatedSource,
  ProviderError,
  type ProviderStreamSource,
  type SimulatedReply,
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

/** Choice 0 of a `chat.completion`, with the provider's usage; an answer without a finish reason is incomplete. */
function replyOf(body: ChatCompletionBody, provider: string): SimulatedReply {
  const choice = body.choices?.find((candidate) => (candidate.index ?? 0) === 0);
  if (!choice?.finish_reason) {
    throw new ProviderError({
      code: 'incomplete_stream',
      message: `${provider} answered without a finish_reason: the response is incomplete`,
      provider,
    });
  }
  return {
    text: choice.message?.content || choice.message?.refusal || '',
    finishReason: choice.finish_reason,
    ...(body.usage?.prompt_tokens === undefined ? {} : { inputTokens: body.usage.prompt_tokens }),
    ...(body.usage?.completion_tokens === undefined
      ? {}
      : { outputTokens: body.usage.completion_tokens }),
  };
}

/**
 * A stream source over one non-streaming Chat Completions call, for clients that asked for
 * the whole answer anyway (`stream: false`). The upstream then sends one JSON body instead of
 * a frame per token, which costs both sides less. llm-stream's simulated source replays it as
 * a one-chunk stream, so breakers, failover, retries, cancellation, usage and metrics behave
 * as for a live stream; every failure comes before the first token, so every failure may fail over.
 */
export function completionSource(spec: CompletionSourceSpec): ProviderStreamSource {
  return createSimulatedSource({
    provider: spec.provider,
    model: spec.model,
    maxTokens: spec.maxTokens,
    promptChars: spec.promptChars,
    reply: async (signal) => replyOf(await spec.complete(signal), spec.provider),
    // One piece: the client takes the whole answer at once, so cutting it up would buy nothing.
    chunkSize: Number.MAX_SAFE_INTEGER,
  });
}
