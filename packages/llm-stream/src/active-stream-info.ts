/** A snapshot of one live stream, as listed by the registry. Plain data, safe to serialize. */
export interface ActiveStreamInfo {
  readonly stream_id: string;
  readonly model: string;
  readonly provider: string;
  /** `connecting` until the first token (retries and failover happen here), then `streaming`. */
  readonly phase: 'connecting' | 'streaming';
  /** Upstream attempts made so far, over all sources. */
  readonly attempts: number;
  /** Epoch milliseconds. */
  readonly started_at: number;
  readonly elapsed_seconds: number;
  /** Chunks produced so far. */
  readonly chunk_number: number;
  readonly total_tokens: number;
  readonly progress_percent: number | null;
  readonly ttft_ms: number | null;
  /** Output tokens per second since the first token; null while no time has passed since it. */
  readonly tokens_per_second: number | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}
