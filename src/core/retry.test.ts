import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, clampRetryAfter, nextRetryDelay, parseDuration, retryPolicyFor } from './retry.js';

describe('retry policy', () => {
  it('follows the default schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    const noJitter = () => 0.5;
    const delays = Array.from({ length: 9 }, (_, attempts) => nextRetryDelay(DEFAULT_RETRY_POLICY, attempts, noJitter));
    expect(delays).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null]);
  });

  it('spreads each delay by at most ±20 %', () => {
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(4_000);
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 1, () => 0.999999)).toBe(6_000);
  });

  it('keeps Retry-After between the scheduled delay and twice it', () => {
    expect(clampRetryAfter(5_000, null)).toBe(5_000);
    expect(clampRetryAfter(5_000, 1_000)).toBe(5_000);
    expect(clampRetryAfter(5_000, 7_000)).toBe(7_000);
    expect(clampRetryAfter(5_000, 3_600_000)).toBe(10_000);
  });

  it('reads durations and refuses nonsense', () => {
    expect(['250ms', '5s', '5m', '2h', '1d', '1500'].map(parseDuration)).toEqual([250, 5_000, 300_000, 7_200_000, 86_400_000, 1_500]);
    expect(() => parseDuration('soon')).toThrow();
  });
});

describe('a subscription retry policy', () => {
  const instance = { delaysMs: [0, 5000, 300_000], jitter: 0.2 };

  it('is the instance policy when the subscription has none', () => {
    expect(retryPolicyFor(instance, null)).toBe(instance);
  });

  it('replaces the delays after the first attempt, and cuts or extends them to max_attempts', () => {
    expect(retryPolicyFor(instance, { scheduleMs: [10, 20], maxAttempts: null }).delaysMs).toEqual([0, 10, 20]);
    expect(retryPolicyFor(instance, { scheduleMs: [10, 20], maxAttempts: 5 }).delaysMs).toEqual([0, 10, 20, 20, 20]);
    expect(retryPolicyFor(instance, { scheduleMs: null, maxAttempts: 2 }).delaysMs).toEqual([0, 5000]);
    expect(retryPolicyFor(instance, { scheduleMs: null, maxAttempts: 1 })).toEqual({ delaysMs: [0], jitter: 0.2 });
  });
});
