import { describe, expect, it } from 'vitest';
import { CountWindow, TimeWindow } from './outcome-window.js';

describe('CountWindow', () => {
  it('keeps running totals of the last size outcomes', () => {
    const window = new CountWindow(3);
    window.record(true, false);
    window.record(false, true);
    window.record(true, true);
    expect([window.calls, window.failures, window.slowCalls]).toEqual([3, 2, 2]);
    window.record(false, false); // evicts the first failure
    expect([window.calls, window.failures, window.slowCalls]).toEqual([3, 1, 2]);
  });

  it('carries the most recent outcomes into a resized window', () => {
    const source = new CountWindow(4);
    for (const failure of [true, true, false, true]) source.record(failure, false);
    const target = new CountWindow(2);
    target.copyFrom(source);
    expect([target.calls, target.failures]).toEqual([2, 1]);
  });
});

describe('TimeWindow', () => {
  it('slides one bucket at a time and forgets everything after a long gap', () => {
    const window = new TimeWindow(1000, 4); // buckets of 250 ms
    window.record(true, false, 0);
    window.record(false, false, 300);
    window.record(true, true, 600);
    expect([window.calls, window.failures, window.slowCalls]).toEqual([3, 2, 1]);
    window.refresh(1000); // bucket [0, 250) leaves
    expect([window.calls, window.failures]).toEqual([2, 1]);
    window.refresh(10_000);
    expect([window.calls, window.failures, window.slowCalls]).toEqual([0, 0, 0]);
  });
});
