import { describe, expect, it } from 'vitest';
import type { PolicyDecision } from '../rate-limit-decision.js';
import { decisionOf, NOW, policy } from './__fixtures__/decisions.js';
import {
  createQuotaExceededProblem,
  createTemporaryReducedCapacityProblem,
  QUOTA_EXCEEDED_TYPE,
  TEMPORARY_REDUCED_CAPACITY_TYPE,
} from './problem-details.js';

const exhausted = (entry: PolicyDecision, resetIn: number): PolicyDecision => ({
  ...entry,
  remaining: 0,
  allowed: false,
  resetAt: NOW + resetIn,
});

describe('createQuotaExceededProblem', () => {
  it('builds an RFC 9457 quota-exceeded body with the draft and Breakwater extension members', () => {
    const decision = decisionOf(
      [exhausted(policy('minute', 10, 60_000), 41_200), policy('hour', 100, 3_600_000)],
      { retryAfterMs: 41_200 },
    );

    expect(createQuotaExceededProblem(decision)).toEqual({
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail: 'Quota "minute" of 10 requests per 60 s is exhausted; retry in 42 s.',
      'violated-policies': ['minute'],
      retry_after_ms: 41_200,
      tier: 'FREE',
      policy: 'minute',
    });
  });

  it('names every violated policy and the one that frees last as `policy`', () => {
    const decision = decisionOf(
      [
        exhausted(policy('minute', 10, 60_000), 5_000),
        exhausted(policy('tokens', 50_000, 86_400_000, NOW, 'tokens'), 7_200_000),
      ],
      { reason: 'token-budget-exceeded', tier: 'PRO' },
    );
    const problem = createQuotaExceededProblem(decision, 403);
    expect(problem).toMatchObject({
      status: 403,
      'violated-policies': ['minute', 'tokens'],
      policy: 'tokens',
      tier: 'PRO',
      retry_after_ms: 7_200_000,
    });
    expect(JSON.parse(JSON.stringify(problem))).toEqual(problem);
  });

  it('still explains a denial that carries no per-window detail', () => {
    const problem = createQuotaExceededProblem(
      decisionOf([], { allowed: false, retryAfterMs: 900, reason: 'cached-block' }),
    );
    expect(problem.detail).toBe('The FREE tier quota is exhausted; retry in 1 s.');
    expect(problem.policy).toBeUndefined();
    expect(problem['violated-policies']).toEqual([]);
  });
});

describe('createTemporaryReducedCapacityProblem', () => {
  it('builds a 503 body with or without a decision', () => {
    expect(createTemporaryReducedCapacityProblem()).toEqual({
      type: TEMPORARY_REDUCED_CAPACITY_TYPE,
      title: 'Request cannot be satisfied due to temporary server capacity constraints',
      status: 503,
      detail: 'The rate limiter could not decide on this request; try again later.',
      'violated-policies': [],
      retry_after_ms: 0,
    });
    const decision = decisionOf([policy('minute', 10, 60_000)], {
      allowed: false,
      reason: 'store-unavailable',
      retryAfterMs: 2000,
    });
    expect(createTemporaryReducedCapacityProblem(decision)).toMatchObject({
      status: 503,
      detail: 'The rate limiter store is unavailable; try again later.',
      retry_after_ms: 2000,
      tier: 'FREE',
    });
  });
});
