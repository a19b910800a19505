// Redis is a helper, never a dependency: replicas keep serving while it is down or frozen, wait
// on it no longer than REDIS_TIMEOUT_MS, log the outage once, and use it again when it is back.

import { describe, expect, it } from 'vitest';
import { useRedisReplicas } from '../helpers/redis-replicas.js';
import type { TestGateway } from '../helpers/test-gateway.js';

const BALANCE = '{ coinBalance(userId: "U1") { userId coins } }';
const BALANCE_DATA = { coinBalance: { userId: 'U1', coins: 0 } };
const ENV = {
  REDIS_TIMEOUT_MS: '100',
  RATE_LIMIT_OPERATIONS: '1000',
  UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
};

/** A metric's value in the replica's own registry (what /metrics would show). */
async function metric(replica: TestGateway, name: string): Promise<number> {
  const found = replica.app.observability.metrics.registry.getSingleMetric(name);
  if (found === undefined) throw new Error(`no metric ${name}`);
  const { values } = await found.get();
  return values.reduce((sum, sample) => sum + sample.value, 0);
}

const events = (replica: TestGateway, event: string) => replica.logs.filter((line) => line.event === event);

/** Bounded: polls every 50 ms for at most `timeoutMs`. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Redis down or slow', () => {
  const shared = useRedisReplicas({ replicas: { count: 2, env: ENV } });

  const runEverywhere = (times: number) =>
    Promise.all(shared.replicas.flatMap((replica) => Array.from({ length: times }, () => replica.gql(BALANCE))));

  it('keeps serving when Redis is killed mid-run, logs it once per replica, and uses Redis again when it is back', async () => {
    const { redis, replicas } = shared;
    expect(await runEverywhere(3)).toEqual(Array(6).fill({ data: BALANCE_DATA }));
    expect(await redis.client.keys('coins-gateway:rate-limit:*')).toHaveLength(2);

    await redis.kill();
    for (let round = 0; round < 3; round += 1) {
      expect(await runEverywhere(5)).toEqual(Array(10).fill({ data: BALANCE_DATA }));
    }
    for (const replica of replicas) {
      expect(events(replica, 'redis_unavailable')).toHaveLength(1);
      expect(events(replica, 'redis_unavailable')[0]).toMatchObject({ level: 40, component: 'redis' });
      expect(await metric(replica, 'coins_gateway_redis_available')).toBe(0);
      // Each of the 15 operations fell back twice: the caller's count and the upstream slot.
      expect(await metric(replica, 'coins_gateway_redis_fallbacks_total')).toBe(30);
    }

    await redis.restart();
    await eventually(() => replicas.every((replica) => events(replica, 'redis_recovered').length === 1));
    expect(await runEverywhere(2)).toEqual(Array(4).fill({ data: BALANCE_DATA }));
    // The shared counters and the upstream log are in the new (empty) Redis again.
    expect((await redis.client.keys('coins-gateway:rate-limit:*')).sort()).toEqual([
      expect.stringMatching(/^coins-gateway:rate-limit:caller:auth:/),
      'coins-gateway:rate-limit:upstream',
    ]);
    for (const replica of replicas) {
      expect(events(replica, 'redis_unavailable')).toHaveLength(1);
      expect(await metric(replica, 'coins_gateway_redis_available')).toBe(1);
      expect(await metric(replica, 'coins_gateway_redis_fallbacks_total')).toBe(30);
    }
  });

  it('never waits on a frozen Redis longer than REDIS_TIMEOUT_MS per operation', async () => {
    const { redis, replicas } = shared;
    redis.pause();
    try {
      const started = Date.now();
      const answers = await Promise.all(replicas.map((replica) => replica.gql(BALANCE)));
      const elapsed = Date.now() - started;
      expect(answers).toEqual(Array(2).fill({ data: BALANCE_DATA }));
      // Two Redis operations (caller limit, upstream cap), 100 ms each at most, plus the call.
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      redis.resume();
    }
    await eventually(async () => {
      await replicas[0]?.gql(BALANCE);
      return (replicas[0]?.logs ?? []).filter((line) => line.event === 'redis_recovered').length === 2;
    });
  });
});

describe('a frozen Redis costs an operation one REDIS_TIMEOUT_MS at most, and later ones nothing', () => {
  // 400 ms so that the two Redis uses of one operation (its caller count, then the upstream
  // call's slot) waited one after the other would show clearly (800 ms), as they did before.
  const TIMEOUT_MS = 400;
  const shared = useRedisReplicas({ replicas: { count: 1, env: { ...ENV, REDIS_TIMEOUT_MS: String(TIMEOUT_MS) } } });

  it('waits once, then skips Redis until a probe finds it answering again', async () => {
    const { redis, replicas } = shared;
    const replica = replicas[0]!;
    expect(await replica.gql(BALANCE)).toEqual({ data: BALANCE_DATA });
    redis.pause();
    try {
      const timed = async () => {
        const started = performance.now();
        expect(await replica.gql(BALANCE)).toEqual({ data: BALANCE_DATA });
        return performance.now() - started;
      };
      // The first operation waits out the one timeout (the caller count); its upstream slot then
      // comes from the process at once.
      const first = await timed();
      expect(first).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(first).toBeLessThan(TIMEOUT_MS + 250);
      // Those after it do not wait on Redis at all.
      for (let i = 0; i < 3; i += 1) expect(await timed()).toBeLessThan(TIMEOUT_MS / 2);
      expect(events(replica, 'redis_unavailable')).toHaveLength(1);
      expect(await metric(replica, 'coins_gateway_redis_available')).toBe(0);
      // 4 operations, 2 uses each, all served by the process.
      expect(await metric(replica, 'coins_gateway_redis_fallbacks_total')).toBe(8);
    } finally {
      redis.resume();
    }
    await eventually(async () => {
      await replica.gql(BALANCE);
      return events(replica, 'redis_recovered').length === 1;
    });
    expect(await metric(replica, 'coins_gateway_redis_available')).toBe(1);
  });
});
