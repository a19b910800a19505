import { CircuitState, ConsecutiveBreaker, type IBreaker } from 'cockatiel';

export interface RateAndStreakOptions {
  /** Consecutive failed calls needed (COINS_API_BREAKER_FAILURES). */
  consecutiveFailures: number;
  /** Share of failed calls over the window also needed, in (0, 1] (COINS_API_BREAKER_FAILURE_RATE). */
  failureRate: number;
  /** The window of that share (COINS_API_BREAKER_WINDOW_MS). */
  windowMs: number;
  /** The clock of the window (tests pass a fake one). @default Date.now */
  now?: () => number;
}

/** The window is kept as this many buckets: old calls leave it a bucket at a time. */
const BUCKETS = 10;

/**
 * A cockatiel breaker that opens only when BOTH hold: the last `consecutiveFailures` calls failed
 * (cockatiel's ConsecutiveBreaker), and at least `failureRate` of the calls over the last
 * `windowMs` failed. A streak alone is common under load when a few calls fail at random (at
 * 3,000 calls/s, five in a row happen every few seconds at a 10% failure rate) and would turn
 * partial failure into an outage; a rate alone would open on two failures out of three calls at
 * night. A dead upstream satisfies both at once.
 * (cockatiel's SamplingBreaker needs a rate below 1 and a minimum throughput, and ignores
 * streaks; a bucketed counter is all the rate needs.)
 */
export class RateAndStreakBreaker implements IBreaker {
  readonly #streak: ConsecutiveBreaker;
  readonly #failureRate: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  /** Ring of buckets; each knows which bucket period it counts so stale ones read as empty. */
  readonly #buckets = Array.from({ length: BUCKETS }, () => ({ period: -1, successes: 0, failures: 0 }));

  constructor(options: RateAndStreakOptions) {
    this.#streak = new ConsecutiveBreaker(options.consecutiveFailures);
    this.#failureRate = options.failureRate;
    this.#bucketMs = Math.max(1, options.windowMs / BUCKETS);
    this.#now = options.now ?? Date.now;
  }

  /** Only for cockatiel's toJSON/serialisation; not used by this gateway. */
  get state(): unknown {
    return { streak: this.#streak.state, buckets: this.#buckets.map((bucket) => ({ ...bucket })) };
  }

  set state(value: unknown) {
    const saved = value as { streak: number; buckets: Array<{ period: number; successes: number; failures: number }> };
    this.#streak.state = saved.streak;
    for (const [index, bucket] of saved.buckets.entries()) Object.assign(this.#buckets[index]!, bucket);
  }

  success(state: CircuitState): void {
    // A successful trial call closes the circuit: start counting afresh, as the streak does.
    if (state === CircuitState.HalfOpen) this.#clearWindow();
    this.#streak.success();
    this.#bucket().successes += 1;
  }

  failure(state: CircuitState): boolean {
    const streakReached = this.#streak.failure();
    this.#bucket().failures += 1;
    // cockatiel reopens on a failed trial whatever this returns.
    if (state !== CircuitState.Closed) return true;
    return streakReached && this.failureShare() >= this.#failureRate;
  }

  /** Failed calls / all calls over the window (0 when there were none). */
  failureShare(): number {
    const oldest = this.#period() - BUCKETS + 1;
    let successes = 0;
    let failures = 0;
    for (const bucket of this.#buckets) {
      if (bucket.period < oldest) continue;
      successes += bucket.successes;
      failures += bucket.failures;
    }
    const total = successes + failures;
    return total === 0 ? 0 : failures / total;
  }

  #period(): number {
    return Math.floor(this.#now() / this.#bucketMs);
  }

  #bucket() {
    const period = this.#period();
    const bucket = this.#buckets[period % BUCKETS]!;
    if (bucket.period !== period) {
      bucket.period = period;
      bucket.successes = 0;
      bucket.failures = 0;
    }
    return bucket;
  }

  #clearWindow(): void {
    for (const bucket of this.#buckets) bucket.period = -1;
  }
}
