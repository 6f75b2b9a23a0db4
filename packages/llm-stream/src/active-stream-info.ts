/** A snapshot of one live stream, as listed by the registry. Plain data, safe to serialize. */
export interface ActiveStreamInfo {
  readonly streamId: string;
  readonly model: string;
  readonly provider: string;
  /** `connecting` until the first token (retries and failover happen here), then `streaming`. */
  readonly phase: 'connecting' | 'streaming';
  /** Upstream attempts made so far, over all sources. */
  readonly attempts: number;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly elapsedSeconds: number;
  /** Chunks produced so far. */
  readonly chunkNumber: number;
  readonly totalTokens: number;
  readonly progressPercent: number | null;
  readonly ttftMs: number | null;
  /** Output tokens per second since the first token; null while no time has passed since it. */
  readonly tokensPerSecond: number | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}
