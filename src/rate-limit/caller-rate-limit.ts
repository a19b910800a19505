import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisStore } from '../shared-state/redis-store.js';

/** The per-caller limit's answer for one operation, and what the RateLimit-* headers say. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Operations per window (RATE_LIMIT_OPERATIONS). */
  limit: number;
  /** Operations left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the current window ends (at least 1). */
  resetSeconds: number;
}

export interface CallerRateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
  /** Counts one operation of this caller. Never throws: a Redis failure falls back to this process's count. */
  consume(callerKey: string): Promise<RateLimitDecision>;
}

export interface CallerRateLimitOptions {
  /** RATE_LIMIT_OPERATIONS (> 0). */
  operations: number;
  /** RATE_LIMIT_WINDOW_MS, whole seconds. */
  windowMs: number;
  /** Shared across replicas when given. */
  store?: RedisStore;
}

/**
 * RATE_LIMIT_OPERATIONS operations per caller per fixed window of RATE_LIMIT_WINDOW_MS, counted
 * by rate-limiter-flexible: in Redis (one counter per caller, shared by every replica) when
 * REDIS_URL is set, in this process otherwise and whenever Redis does not answer in time.
 */
export function createCallerRateLimit(options: CallerRateLimitOptions): CallerRateLimit {
  const windowSeconds = options.windowMs / 1000;
  const limits = { points: options.operations, duration: windowSeconds };
  const local = new RateLimiterMemory({ ...limits, keyPrefix: 'caller' });
  const { store } = options;
  const shared = store
    ? new RateLimiterRedis({
        ...limits,
        storeClient: store.client,
        keyPrefix: `${store.keyPrefix}rate-limit:caller`,
        // Not connected: fail at once (and count locally) instead of waiting for a reconnect.
        rejectIfRedisNotReady: true,
      })
    : undefined;

  function decision(result: RateLimiterRes, allowed: boolean): RateLimitDecision {
    return {
      allowed,
      limit: options.operations,
      remaining: allowed ? result.remainingPoints : 0,
      resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    };
  }

  async function consumeWith(limiter: RateLimiterMemory | RateLimiterRedis, key: string): Promise<RateLimitDecision> {
    try {
      return decision(await limiter.consume(key), true);
    } catch (error) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the limit is reached.
      if (error instanceof RateLimiterRes) return decision(error, false);
      throw error;
    }
  }

  return {
    limit: options.operations,
    windowSeconds,
    async consume(callerKey) {
      if (shared && store) {
        const counted = await store.attempt(() => consumeWith(shared, callerKey));
        if (counted.ok) return counted.value;
      }
      return consumeWith(local, callerKey);
    },
  };
}
