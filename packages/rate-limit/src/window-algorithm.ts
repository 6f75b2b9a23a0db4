/**
 * How one window counts.
 *
 * - `sliding-window` (the default): two epoch-aligned fixed windows blended by elapsed time,
 *   `previous × (1 − elapsed/window) + current`. Smooth at window edges; it assumes the
 *   previous window's requests were spread evenly, so it can under- or over-count by at most
 *   the part of the previous window's load that was not evenly spread (Cloudflare measured
 *   0.003% wrong decisions on real traffic).
 * - `fixed-window`: one counter per epoch-aligned window (`floor(now / windowMs)`); exact per
 *   window, but a client may use up to twice the limit across a window edge.
 * - `token-bucket`: GCRA (generic cell rate algorithm), a token bucket of `limit` tokens that
 *   refills `limit` tokens per `windowMs`, stored as one theoretical arrival time.
 */
export type WindowAlgorithm = 'sliding-window' | 'fixed-window' | 'token-bucket';

/** Every {@link WindowAlgorithm}, in the order of their numeric codes. */
export const WINDOW_ALGORITHMS: readonly WindowAlgorithm[] = [
  'sliding-window',
  'fixed-window',
  'token-bucket',
];
