import type { ResolvedBreakerSettings } from './breaker-settings.js';
import type { StateChangeReason } from './breaker-state.js';
import type { OutcomeWindow } from './outcome-window.js';

/**
 * Which rule, if any, says a CLOSED circuit must open now: consecutive failures, failures in
 * the window, then (once the window holds `minimumCalls`) the failure rate and slow-call rate.
 * @internal
 */
export function tripReason(
  settings: ResolvedBreakerSettings,
  consecutiveFailures: number,
  window: OutcomeWindow,
): StateChangeReason | undefined {
  if (consecutiveFailures >= settings.failureThreshold) return 'failure-threshold';
  if (
    settings.failureCountThreshold !== undefined &&
    window.failures >= settings.failureCountThreshold
  ) {
    return 'failure-count';
  }
  if (window.calls < settings.minimumCalls) return undefined;
  if (
    settings.failureRateThreshold !== undefined &&
    window.failures >= settings.failureRateThreshold * window.calls
  ) {
    return 'failure-rate';
  }
  if (
    settings.slowCallDurationMs !== undefined &&
    window.slowCalls >= settings.slowCallRateThreshold * window.calls
  ) {
    return 'slow-call-rate';
  }
  return undefined;
}
