import { CircuitState, circuitBreaker, handleAll, BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateAndStreakBreaker } from '../../src/upstream/rate-and-streak-breaker.js';

// With 10% of calls failing, five consecutive failures happen every few
// seconds under load; the breaker opened and turned partial failure into an outage. It now opens
// only when a streak (COINS_API_BREAKER_FAILURES) AND a failure rate over a window
// (COINS_API_BREAKER_FAILURE_RATE over COINS_API_BREAKER_WINDOW_MS) both hold.

const { Closed, HalfOpen } = CircuitState;

function breaker(consecutiveFailures = 5, failureRate = 0.5, windowMs = 10_000) {
  return new RateAndStreakBreaker({ consecutiveFailures, failureRate, windowMs });
}

/** Feeds a pattern of calls ('s' success, 'f' failure); returns the index of the call that opened it, or -1. */
function feed(b: RateAndStreakBreaker, pattern: string): number {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === 's') b.success(Closed);
    else if (b.failure(Closed)) return i;
  }
  return -1;
}

describe('RateAndStreakBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a dead upstream (every call failing) opens it at the 5th consecutive failure', () => {
    expect(feed(breaker(), 'fffff')).toBe(4);
  });

  it('5 consecutive failures amid many successes (10% failing) do not open it', () => {
    const b = breaker();
    expect(feed(b, 'sssssssss'.repeat(10) + 'fffff')).toBe(-1);
    expect(b.failureShare()).toBeCloseTo(5 / 95);
    // Not even a long streak: the rate decides. 45 successes then 40 failures: 40/85 < 0.5 until the 46th failure.
    const c = breaker();
    expect(feed(c, 's'.repeat(45) + 'f'.repeat(50))).toBe(45 + 44);
  });

  it('a high rate without the streak does not open it', () => {
    // 2 of 3 calls failing, never 5 in a row.
    expect(feed(breaker(), 'ffsffsffsffsffsffsffs')).toBe(-1);
  });

  it('the rate counts only the last COINS_API_BREAKER_WINDOW_MS: old successes age out', () => {
    const b = breaker(5, 0.5, 10_000);
    feed(b, 's'.repeat(100));
    vi.advanceTimersByTime(5_000);
    expect(feed(b, 'fffff')).toBe(-1); // 5 / 105
    vi.advanceTimersByTime(6_000); // the 100 successes are now older than 10 s
    expect(b.failureShare()).toBe(1);
    expect(feed(b, 'f')).toBe(0);
  });

  it('the rate threshold is inclusive: rate 0.5 opens at exactly half', () => {
    expect(feed(breaker(5, 0.5), 'sssss' + 'ffff')).toBe(-1);
    expect(feed(breaker(5, 0.5), 'sssss' + 'fffff')).toBe(9);
  });

  it('rate 1 means every call in the window failed', () => {
    expect(feed(breaker(3, 1), 'sfffffff')).toBe(-1);
    const b = breaker(3, 1, 1_000);
    feed(b, 'sfff');
    expect(b.failureShare()).toBe(0.75);
    vi.advanceTimersByTime(1_001); // the success (and the failures) left the window; the streak did not
    expect(feed(b, 'f')).toBe(0);
  });

  it('a success resets the streak, as ConsecutiveBreaker does', () => {
    expect(feed(breaker(3, 0.1), 'ffsffsff')).toBe(-1);
    expect(feed(breaker(3, 0.1), 'ffsfff')).toBe(5);
  });

  it('a failed trial (half-open) reopens at once; a successful one clears the window', () => {
    const b = breaker(3, 0.5);
    feed(b, 'fff');
    expect(b.failure(HalfOpen)).toBe(true);
    b.success(HalfOpen);
    expect(b.failureShare()).toBe(0);
    expect(feed(b, 'ff')).toBe(-1);
    expect(feed(b, 'f')).toBe(0);
  });

  it('drives cockatiel: open after the streak and the rate, refusing calls until the cooldown', async () => {
    const policy = circuitBreaker(handleAll, { halfOpenAfter: 1_000, breaker: breaker(3, 0.5) });
    const fail = () => policy.execute(() => Promise.reject(new Error('down'))).catch((error: unknown) => error);
    const ok = () => policy.execute(() => Promise.resolve('ok'));
    for (let i = 0; i < 10; i += 1) await ok();
    await fail();
    await fail();
    await fail(); // 3 in a row, but 3/13 < 0.5
    expect(policy.state).toBe(CircuitState.Closed);
    for (let i = 0; i < 7; i += 1) await fail(); // 10 of 20 = 0.5
    expect(policy.state).toBe(CircuitState.Open);
    expect(await fail()).toBeInstanceOf(BrokenCircuitError);
    vi.advanceTimersByTime(1_000);
    expect(await ok()).toBe('ok');
    expect(policy.state).toBe(CircuitState.Closed);
  });
});
