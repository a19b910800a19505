import {
  BrokenCircuitError,
  CircuitState,
  DelegateBackoff,
  ExponentialBackoff,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import { MIN_ATTEMPT_MS } from '../limits.js';
import type { Deadline } from './deadline.js';
import { classifyUpstreamError } from './outcome-classification.js';
import { RateAndStreakBreaker } from './rate-and-streak-breaker.js';
import { UpstreamError, isUpstreamError } from './upstream-error.js';
import type { BreakerState } from './upstream-observer.js';

/**
 * cockatiel does the resilience work here:
 * - a circuit breaker shared by every upstream call, counting only the outcomes
 *   outcome-classification.ts calls unhealthy (any other answer proves the upstream alive),
 *   opening when a streak of failures AND a failure rate over a window both hold
 *   (RateAndStreakBreaker);
 * - a retry policy, for idempotent calls only, on the outcomes that table calls retryable by the
 *   gateway, with decorrelated-jitter exponential backoff, honouring Retry-After, never past the
 *   deadline.
 * The breaker wraps the retries, so one call with its retries counts once.
 */
export interface ResilienceOptions {
  /** Extra attempts for idempotent calls (COINS_API_RETRIES). */
  retries: number;
  /** Consecutive failed calls needed to open the circuit (COINS_API_BREAKER_FAILURES). */
  breakerFailures: number;
  /** Share of failed calls over the window also needed to open it, in (0, 1] (COINS_API_BREAKER_FAILURE_RATE). */
  breakerFailureRate: number;
  /** The window of that share (COINS_API_BREAKER_WINDOW_MS). */
  breakerWindowMs: number;
  /** How long an open circuit refuses calls before a trial call (COINS_API_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs: number;
}

export interface UpstreamResilience {
  run<T>(attempt: () => Promise<T>, call: { idempotent: boolean; deadline: Deadline }): Promise<T>;
  /** True while calls would be refused without touching the upstream. */
  isRefusingCalls(): boolean;
  /** Open while calls are refused; half-open once the next call is the trial (cockatiel moves lazily). */
  breakerState(): BreakerState;
}

export function createResilience(options: ResilienceOptions): UpstreamResilience {
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.breakerCooldownMs,
    breaker: new RateAndStreakBreaker({
      consecutiveFailures: options.breakerFailures,
      failureRate: options.breakerFailureRate,
      windowMs: options.breakerWindowMs,
    }),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });
  const jitter = new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 });

  async function run<T>(attempt: () => Promise<T>, call: { idempotent: boolean; deadline: Deadline }) {
    const withRetries =
      call.idempotent && options.retries > 0 ? () => retryPolicy(call.deadline).execute(attempt) : attempt;
    let outcome: { value: T } | { error: unknown };
    try {
      // The breaker must count unhealthy failures as failures and every other outcome (an answer,
      // even a 4xx, or a bug) as a success that resets its streak. cockatiel does neither for an
      // error its filter does not handle (it passes through uncounted), so the result, error
      // included, is returned as a value, and only an unhealthy failure is thrown for it to count.
      outcome = await breaker.execute(async () => {
        try {
          return { value: await withRetries() };
        } catch (error) {
          if (isUpstreamError(error) && classifyUpstreamError(error).unhealthy) throw error;
          return { error };
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new UpstreamError({ reason: 'circuit-open', detail: 'circuit breaker open', cause: error });
      }
      throw error;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  function retryPolicy(deadline: Deadline) {
    // cockatiel asks whether to retry (handleWhen) before it asks how long to wait (backoff), and
    // a backoff cannot decline. Whether a retry fits the deadline depends on its wait, so the
    // wait is planned once, when the failure is judged, and the backoff only hands it over.
    let jittered: IBackoff<unknown> | undefined;
    let plannedWaitMs = 0;
    const shouldRetry = (failure: unknown) => {
      jittered = jittered ? jittered.next(undefined) : jitter.next();
      const wait = retryWaitMs(failure, jittered.duration, deadline.remainingMs());
      if (wait === undefined) return false;
      plannedWaitMs = wait;
      return true;
    };
    return retry(handleWhen(shouldRetry), {
      maxAttempts: options.retries,
      backoff: new DelegateBackoff<IRetryBackoffContext<unknown>>(() => plannedWaitMs),
    });
  }

  const isRefusingCalls = () =>
    breaker.state === CircuitState.Isolated ||
    (breaker.state === CircuitState.Open && Date.now() - openedAt < options.breakerCooldownMs);
  return {
    run,
    isRefusingCalls,
    breakerState: () => (isRefusingCalls() ? 'open' : breaker.state === CircuitState.Closed ? 'closed' : 'half-open'),
  };
}

/**
 * How long to wait before sending a failed idempotent call again, or undefined for no retry.
 * The wait is the upstream's Retry-After when it gave one (never shortened: it asked for it),
 * else the jittered backoff, cut short if needed so that the next attempt starts with
 * MIN_ATTEMPT_MS of the deadline left. A backoff cut to nothing means no retry: against an
 * upstream that fails at once, the remaining attempts would otherwise run back to back.
 */
export function retryWaitMs(failure: unknown, backoffMs: number, remainingMs: number): number | undefined {
  if (!isUpstreamError(failure) || !classifyUpstreamError(failure).retryableByGateway) return undefined;
  const room = remainingMs - MIN_ATTEMPT_MS;
  if (failure.retryAfterSeconds !== undefined) {
    const retryAfterMs = failure.retryAfterSeconds * 1000;
    return retryAfterMs <= room ? retryAfterMs : undefined;
  }
  if (backoffMs <= room) return backoffMs;
  return room > 0 ? room : undefined;
}
