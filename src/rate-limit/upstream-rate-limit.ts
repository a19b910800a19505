import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisStore } from '../shared-state/redis-store.js';
import type { Deadline } from '../upstream/deadline.js';
import type { HttpTransport } from '../upstream/http-transport.js';
import { UpstreamError } from '../upstream/upstream-error.js';

/** The partner-wide cap: UPSTREAM_RATE_LIMIT_PER_SECOND upstream calls in any one second. */
export interface UpstreamRateLimit {
  /**
   * Waits for a slot, at most until the deadline. Throws UpstreamError `rate-limited` (with the
   * seconds until a slot frees) when the wait would not fit before the deadline.
   */
  acquire(deadline: Deadline): Promise<void>;
}

export interface UpstreamRateLimitOptions {
  perSecond: number;
  /** Shared across replicas when given. */
  store?: RedisStore;
}

/**
 * The quota is per second as the upstream counts arrivals; a call let through here arrives a few
 * ms to tens of ms later (a new connection, a busy event loop), so two calls let through 1000 ms
 * apart may arrive 950 ms apart. Each call therefore holds its slot for 1.1 s: the upstream sees
 * at most N in any second unless dispatch-to-arrival times differ by more than 100 ms. Costs 10%
 * of the quota's throughput.
 */
const WINDOW_MS = 1_100;
/** Spreads waiters that were told the same wait, so they do not all retry at the same moment. */
const MAX_JITTER_MS = 10;

/**
 * A sliding log, not a fixed window: rate-limiter-flexible's counters reset per window, which
 * lets 2 × N calls through around a window boundary, and the partner's quota must hold for any
 * second. So each call is logged with its time (a Redis sorted set, or an array in the fallback)
 * and admitted only while fewer than N were logged in the last second. The script is atomic in
 * Redis and uses Redis's clock, so replicas with skewed clocks still share one window.
 * Returns 0 when the call may go, else the milliseconds until the oldest logged call leaves.
 */
const SLIDING_LOG_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

type ScriptedRedis = Redis & { coinsGatewayUpstreamSlot(key: string, ...args: string[]): Promise<number> };

export function createUpstreamRateLimit(options: UpstreamRateLimitOptions): UpstreamRateLimit {
  const { perSecond, store } = options;
  const localLog: number[] = [];
  const key = store ? `${store.keyPrefix}rate-limit:upstream` : '';
  const memberPrefix = randomUUID();
  let sequence = 0;
  if (store) {
    store.client.defineCommand('coinsGatewayUpstreamSlot', { numberOfKeys: 1, lua: SLIDING_LOG_SCRIPT });
  }

  /** The same sliding log in this process: used without Redis and while Redis is unavailable. */
  function takeLocalSlot(): number {
    const now = Date.now();
    while (localLog.length > 0 && (localLog[0] as number) <= now - WINDOW_MS) localLog.shift();
    if (localLog.length < perSecond) {
      localLog.push(now);
      return 0;
    }
    return Math.max(1, (localLog[0] as number) + WINDOW_MS - now);
  }

  async function takeSlot(): Promise<number> {
    if (store) {
      sequence += 1;
      const member = `${memberPrefix}:${sequence}`;
      const shared = await store.attempt((client) =>
        (client as ScriptedRedis).coinsGatewayUpstreamSlot(key, String(WINDOW_MS), String(perSecond), member),
      );
      if (shared.ok) return Number(shared.value);
    }
    return takeLocalSlot();
  }

  return {
    async acquire(deadline) {
      // Bounded: every pass either takes a slot, fails, or sleeps at least 1 ms of a finite deadline.
      for (;;) {
        const waitMs = await takeSlot();
        if (waitMs === 0) return;
        if (deadline.expired || waitMs >= deadline.remainingMs()) {
          throw new UpstreamError({
            reason: 'rate-limited',
            retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
            detail: `partner-wide upstream rate limit (${perSecond}/s) reached; no slot before the deadline`,
          });
        }
        await sleep(waitMs + Math.floor(Math.random() * MAX_JITTER_MS));
      }
    },
  };
}

/** Every call through this transport takes a slot of the partner-wide cap first. */
export function withUpstreamRateLimit(transport: HttpTransport, limit: UpstreamRateLimit): HttpTransport {
  return {
    async send(request) {
      await limit.acquire(request.deadline);
      return transport.send(request);
    },
    close: () => transport.close(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
