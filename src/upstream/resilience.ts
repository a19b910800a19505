import {
  BrokenCircuitError,
  CircuitState,
  ExponentialBackoff,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import type { Deadline } from './deadline.js';
import { RateAndStreakBreaker } from './rate-and-streak-breaker.js';
import { UpstreamError, isUpstreamError } from './upstream-error.js';
import type { BreakerState } from './upstream-observer.js';

/**
 * cockatiel does the resilience work here:
 * - a circuit breaker shared by every upstream call, counting only transport failures,
 *   timeouts and 5xx (any other answer proves the upstream alive), opening when a streak of
 *   failures AND a failure rate over a window both hold (RateAndStreakBreaker);
 * - a retry policy, for idempotent calls only, on connection errors, 502/503/504 and 429,
 *   with decorrelated-jitter exponential backoff, honouring Retry-After, never past the deadline.
 * The breaker wraps the retries, so one call with its retries counts once.
 */
export interface ResilienceOptions {
  /** Extra attempts for idempotent calls. @default 2 */
  retries: number;
  /** Consecutive failed calls needed to open the circuit. @default 5 */
  breakerFailures: number;
  /** Share of failed calls over the window also needed to open it, in (0, 1]. @default 0.5 */
  breakerFailureRate: number;
  /** The window of that share. @default 10000 */
  breakerWindowMs: number;
  /** How long an open circuit refuses calls before a trial call. @default 10000 */
  breakerCooldownMs: number;
}

export interface UpstreamResilience {
  run<T>(attempt: () => Promise<T>, call: { idempotent: boolean; deadline: Deadline }): Promise<T>;
  /** True while calls would be refused without touching the upstream. */
  isRefusingCalls(): boolean;
  /** Open while calls are refused; half-open once the next call is the trial (cockatiel moves lazily). */
  breakerState(): BreakerState;
}

/** An attempt needs at least this much of the deadline left to be worth starting. */
const MIN_ATTEMPT_MS = 50;
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

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
      call.idempotent && options.retries > 0
        ? () => retryPolicy(call.deadline).execute(attempt)
        : attempt;
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = await breaker.execute(async () => {
        try {
          return { value: await withRetries() };
        } catch (error) {
          if (isUpstreamError(error) && error.isUpstreamUnhealthy) throw error;
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
    return retry(
      handleWhen((error) => isRetryable(error) && deadline.remainingMs() >= retryDelayFloorMs(error) + MIN_ATTEMPT_MS),
      { maxAttempts: options.retries, backoff: deadlineBound(jitter, deadline) },
    );
  }

  const isRefusingCalls = () =>
    breaker.state === CircuitState.Isolated ||
    (breaker.state === CircuitState.Open && Date.now() - openedAt < options.breakerCooldownMs);
  return {
    run,
    isRefusingCalls,
    breakerState: () =>
      isRefusingCalls() ? 'open' : breaker.state === CircuitState.Closed ? 'closed' : 'half-open',
  };
}

function isRetryable(error: unknown): boolean {
  if (!isUpstreamError(error)) return false;
  if (error.reason === 'connection') return true;
  return error.reason === 'http-status' && RETRYABLE_STATUSES.has(error.answer?.status ?? 0);
}

/** A Retry-After is a floor for the next attempt's start; without one, no floor. */
function retryDelayFloorMs(error: unknown): number {
  return isUpstreamError(error) && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
}

type RetryContext = IRetryBackoffContext<unknown>;

/** Jittered backoff, replaced by Retry-After when given, and never reaching past the deadline. */
function deadlineBound(inner: IBackoffFactory<RetryContext>, deadline: Deadline): IBackoffFactory<RetryContext> {
  return {
    next(context: RetryContext): IBackoff<RetryContext> {
      const step = inner.next(context);
      const failure = 'error' in context.result ? context.result.error : undefined;
      const wanted = isUpstreamError(failure) && failure.retryAfterSeconds !== undefined
        ? failure.retryAfterSeconds * 1000
        : step.duration;
      const duration = Math.max(0, Math.min(wanted, deadline.remainingMs() - MIN_ATTEMPT_MS));
      return { duration, next: (nextContext) => deadlineBound(step, deadline).next(nextContext) };
    },
  };
}
