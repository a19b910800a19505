import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type SandboxOptions, type SandboxServer, startSandbox } from '../../src/sandbox/index.js';
import { startTestRedis, type TestRedis, waitForSharedState } from './redis-server.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

export interface RedisReplicas {
  /** The real redis-server the replicas share (REDIS_URL). */
  readonly redis: TestRedis;
  /** The one sandbox upstream every replica calls. */
  readonly sandbox: SandboxServer;
  /** The replicas running now; a test may push one it started itself, to have it stopped. */
  readonly replicas: TestGateway[];
  /**
   * Starts `count` in-process replicas with `env`, sharing the Redis (unless `redis: false`: each
   * on its own) and the sandbox, and waits until each uses the Redis.
   */
  start(count: number, env?: Record<string, string>, options?: { redis?: boolean }): Promise<TestGateway[]>;
  /** Stops the replicas running now. */
  stop(): Promise<void>;
}

/**
 * A real redis-server and one sandbox upstream for the replicas of the enclosing describe block
 * (or file): started before its first test, stopped after its last. `replicas` starts those
 * replicas with them. `freshEachTest` empties the sandbox and the Redis before each test (a
 * previous test's calls would still be in the shared one-second upstream log) and stops the
 * replicas after each test.
 */
export function useRedisReplicas(
  options: {
    sandbox?: SandboxOptions;
    replicas?: { count: number; env: Record<string, string> };
    freshEachTest?: boolean;
  } = {},
): RedisReplicas {
  let redis: TestRedis | undefined;
  let sandbox: SandboxServer | undefined;
  const replicas: TestGateway[] = [];
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useRedisReplicas(): the ${name} is only there inside tests and hooks`);
    return value;
  };
  const set: RedisReplicas = {
    get redis() {
      return started(redis, 'redis');
    },
    get sandbox() {
      return started(sandbox, 'sandbox');
    },
    replicas,
    async start(count, env = {}, { redis: shared = true } = {}) {
      const redisEnv: Record<string, string> = shared ? { REDIS_URL: set.redis.url } : {};
      const more = await Promise.all(
        Array.from({ length: count }, () => startTestGateway({ ...env, ...redisEnv }, { sandbox: set.sandbox })),
      );
      replicas.push(...more);
      if (shared) await Promise.all(more.map((replica) => waitForSharedState(replica.app)));
      return more;
    },
    async stop() {
      await Promise.all(replicas.splice(0).map((replica) => replica.close()));
    },
  };

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startTestRedis(), startSandbox(options.sandbox)]);
    if (options.replicas) await set.start(options.replicas.count, options.replicas.env);
  });
  afterAll(async () => {
    await set.stop();
    await sandbox?.close();
    await redis?.stop();
  });
  if (options.freshEachTest) {
    beforeEach(async () => {
      set.sandbox.reset();
      await set.redis.client.flushall();
    });
    afterEach(() => set.stop());
  }
  return set;
}
