import type { ActiveStreamInfo } from '@breakwater/llm-stream';

/**
 * A live stream as the HTTP API serves it (`GET /api/streaming/active`): the original design's
 * snake_case JSON, mapped field by field from llm-stream's camelCase {@link ActiveStreamInfo}.
 * `metadata` is the gateway's own (`user_id`, `tier`, `task_type`, `endpoint`) and passes as is.
 */
export function activeStreamJson(info: ActiveStreamInfo) {
  return {
    stream_id: info.streamId,
    model: info.model,
    provider: info.provider,
    phase: info.phase,
    attempts: info.attempts,
    started_at: info.startedAt,
    elapsed_seconds: info.elapsedSeconds,
    chunk_number: info.chunkNumber,
    total_tokens: info.totalTokens,
    progress_percent: info.progressPercent,
    ttft_ms: info.ttftMs,
    tokens_per_second: info.tokensPerSecond,
    metadata: info.metadata,
  };
}
