import type { RateLimitTier } from '../rate-limit-tier.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Tiers shared by the contention test and its worker processes. */
export const CONTENTION_TIERS: Record<string, RateLimitTier> = {
  // 'day' binds at 300; the other windows must be charged for exactly those 300.
  REQ: {
    windows: [
      { name: 'day', limit: 300, windowMs: DAY },
      { name: 'hour', limit: 1_000, windowMs: HOUR, algorithm: 'fixed-window' },
      { name: 'bucket', limit: 10_000, windowMs: DAY, algorithm: 'token-bucket' },
    ],
  },
  // The token budget binds at 250 reservations of 100.
  TOK: {
    windows: [
      { name: 'day', limit: 100_000, windowMs: DAY },
      { name: 'tokens', limit: 25_000, windowMs: DAY, unit: 'tokens' },
    ],
  },
  MIX: {
    windows: [
      { name: 'day', limit: 100_000, windowMs: DAY },
      { name: 'tokens', limit: 5_000, windowMs: DAY, unit: 'tokens' },
    ],
  },
};
