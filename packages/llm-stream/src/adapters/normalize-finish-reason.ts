/**
 * One vocabulary for why a model stopped:
 * - `stop`: it finished on its own or hit a stop sequence;
 * - `length`: it hit the output token limit (or the context window);
 * - `content_filter`: a safety system or refusal cut it short;
 * - `tool_calls`: it stopped to call a tool;
 * - `other`: anything else the provider reported (`pause_turn`, `OTHER`, `MALFORMED_FUNCTION_CALL`, ...).
 */
export type NormalizedFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

const FINISH_REASONS: Readonly<Record<string, NormalizedFinishReason>> = {
  // OpenAI Chat Completions
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  // OpenAI Responses (status, or incomplete_details.reason)
  completed: 'stop',
  max_output_tokens: 'length',
  // Anthropic
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  // Gemini (case-folded)
  safety: 'content_filter',
  recitation: 'content_filter',
  blocklist: 'content_filter',
  prohibited_content: 'content_filter',
  spii: 'content_filter',
  image_safety: 'content_filter',
  image_prohibited_content: 'content_filter',
};

/**
 * Maps a provider's raw finish reason (what adapters put in `{ type: 'finish', reason }`)
 * to {@link NormalizedFinishReason}: `stop`/`end_turn`/`STOP`/`completed` → `stop`,
 * `length`/`max_tokens`/`MAX_TOKENS`/`max_output_tokens` → `length`, and so on.
 *
 * @example normalizeFinishReason('end_turn') // 'stop'
 */
export function normalizeFinishReason(reason: string): NormalizedFinishReason {
  return FINISH_REASONS[reason.toLowerCase()] ?? 'other';
}
