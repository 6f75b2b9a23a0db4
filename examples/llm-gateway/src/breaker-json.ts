import type { BreakerSnapshot } from '@breakwater/circuit-breaker';

/** A breaker snapshot as the HTTP API serves it: the original design's snake_case JSON. */
export function breakerJson(snapshot: BreakerSnapshot) {
  const { metrics } = snapshot;
  return {
    name: snapshot.name,
    state: snapshot.state,
    failure_count: snapshot.failureCount,
    success_count: snapshot.successCount,
    consecutive_failures: snapshot.consecutiveFailures,
    slow_call_count: snapshot.slowCallCount,
    opened_at: snapshot.openedAt,
    retry_after_ms: snapshot.retryAfterMs,
    metrics: {
      total_calls: metrics.totalCalls,
      total_successes: metrics.totalSuccesses,
      total_failures: metrics.totalFailures,
      total_rejections: metrics.totalRejections,
      success_rate: metrics.successRate,
    },
  };
}
