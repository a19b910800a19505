import { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';

/**
 * The Redis connection shared state lives in (REDIS_URL). Redis is a helper, never a dependency:
 * every use goes through `attempt`, which never waits longer than REDIS_TIMEOUT_MS and, when
 * Redis is down or slow, tells the caller to use its per-process state instead. Once a use has
 * failed, the next ones do not wait at all until Redis answers again: an operation that needs
 * Redis several times (its caller count, then a slot per upstream call) waits on it once at most.
 * The outage is logged once (and once more when Redis is back); ioredis reconnects by itself.
 */
export interface RedisStore {
  /** The client, for libraries that take one (rate-limiter-flexible, redis-semaphore). */
  readonly client: Redis;
  /** Prefix of every key this gateway writes (`coins-gateway:`). */
  readonly keyPrefix: string;
  /**
   * Runs `operation`; `{ ok: false }` when Redis failed, timed out or is not connected. Only while
   * the very first connection is being made does it wait for it (at most the timeout), so the
   * first operations after start-up already share state.
   */
  attempt<T>(operation: (client: Redis) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }>;
  close(): Promise<void>;
}

export interface RedisStoreOptions {
  url: string;
  timeoutMs: number;
  logger: Logger;
  /** The app's metrics registry: coins_gateway_redis_available and coins_gateway_redis_fallbacks_total. */
  registry?: Registry;
}

export const KEY_PREFIX = 'coins-gateway:';
/** Reconnect attempts back off up to this (ioredis retries forever). */
const MAX_RECONNECT_DELAY_MS = 2_000;
/**
 * While Redis is connected but failing (frozen, overloaded), uses skip it, and one PING at a time,
 * at most this often, checks whether it answers again (a disconnected Redis announces its return).
 */
const PROBE_INTERVAL_MS = 1_000;

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const logger = options.logger.child({ component: 'redis' });
  const client = new Redis(options.url, {
    // A command is answered within the timeout or fails: nothing waits on a slow Redis.
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1_000),
    // While disconnected, commands fail at once instead of queueing until Redis is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    lazyConnect: false,
  });
  let degraded = false;
  /** When the last probe of a degraded Redis started (or the degradation, before any). */
  let lastProbeAt = 0;
  let probing = false;
  const fallbacks = options.registry
    ? new Counter({
        name: 'coins_gateway_redis_fallbacks_total',
        help: 'Shared-state operations served from per-process state because Redis was down or slower than REDIS_TIMEOUT_MS',
        registers: [options.registry],
      })
    : undefined;
  if (options.registry) {
    new Gauge({
      name: 'coins_gateway_redis_available',
      help: '1 while Redis answers (shared state in use), 0 while this replica serves from per-process state',
      registers: [options.registry],
      collect() {
        this.set(client.status === 'ready' && !degraded ? 1 : 0);
      },
    });
  }
  let everReady = false;
  const firstReady = new Promise<void>((resolve) => client.once('ready', () => resolve()));

  /** An operation falls back to per-process state. */
  function reportFailure(error: unknown): void {
    fallbacks?.inc();
    markDegraded(error);
  }

  function markDegraded(error: unknown): void {
    if (degraded) return;
    degraded = true;
    lastProbeAt = performance.now();
    logger.warn(
      { event: 'redis_unavailable', detail: describe(error) },
      'Redis is unavailable or slow: serving with per-process state until it is back',
    );
  }

  function reportSuccess(): void {
    if (!degraded) return;
    degraded = false;
    logger.info({ event: 'redis_recovered' }, 'Redis is back: shared state is used again');
  }

  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  client.on('error', markDegraded);
  client.on('end', () => markDegraded(new Error('connection ended')));
  client.on('ready', () => {
    everReady = true;
    reportSuccess();
  });

  /** True when commands can be sent now (waits only for the very first connection). */
  async function usable(): Promise<boolean> {
    if (client.status === 'ready') return true;
    if (!everReady && (client.status === 'connecting' || client.status === 'connect' || client.status === 'wait')) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.timeoutMs);
      });
      await Promise.race([firstReady, timedOut]);
      clearTimeout(timer);
      // Read again: the status changed while waiting (TypeScript narrowed it before the wait).
      if ((client.status as string) === 'ready') return true;
    }
    reportFailure(new Error(`connection ${client.status}`));
    return false;
  }

  /** Asks a degraded but connected Redis whether it answers again (in the background, never awaited). */
  function probe(): void {
    if (probing || performance.now() - lastProbeAt < PROBE_INTERVAL_MS) return;
    probing = true;
    lastProbeAt = performance.now();
    client.ping().then(
      () => {
        probing = false;
        reportSuccess();
      },
      () => {
        probing = false;
      },
    );
  }

  return {
    client,
    keyPrefix: KEY_PREFIX,
    async attempt(operation) {
      if (!(await usable())) return { ok: false };
      if (degraded) {
        // Connected, but a use failed or timed out: do not wait on it again until a probe answers.
        probe();
        fallbacks?.inc();
        return { ok: false };
      }
      try {
        const value = await operation(client);
        reportSuccess();
        return { ok: true, value };
      } catch (error) {
        reportFailure(error);
        return { ok: false };
      }
    },
    async close() {
      client.disconnect();
    },
  };
}

/** An error's message without any URL (a Redis URL may carry a password). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/rediss?:\/\/\S+/g, 'redis://…');
}
