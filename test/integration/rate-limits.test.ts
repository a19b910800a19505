// Per-caller and partner-wide rate limits, across three in-process replicas sharing a real
// redis-server and one sandbox upstream; and per process without Redis.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowSeconds, signHs256 } from '../helpers/jwks-server.js';
import { useRedisReplicas } from '../helpers/redis-replicas.js';
import { SERVICE_MODE_ENV, TEST_JWT_SECRET } from '../helpers/service-mode.js';
import { startTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';
import { recordArrivals } from '../helpers/upstream-arrivals.js';
import { balancePath } from '../helpers/upstream-paths.js';

const BALANCE = '{ coinBalance(userId: "U1") { userId coins } }';
const BALANCE_DATA = { coinBalance: { userId: 'U1', coins: 0 } };
const CALLER_A = 'Bearer caller-a';
const CALLER_B = 'Bearer caller-b';

/** The most arrivals within any window of `windowMs` (sliding, starting at each arrival). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    let end = start;
    while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + windowMs) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}

describe('per-caller rate limit shared by three replicas (Redis)', () => {
  const shared = useRedisReplicas({
    replicas: { count: 3, env: { RATE_LIMIT_OPERATIONS: '3', RATE_LIMIT_WINDOW_MS: '60000' } },
  });

  it('lets a caller run RATE_LIMIT_OPERATIONS operations on any replicas, then refuses before any upstream call', async () => {
    const answers: Response[] = [];
    const { replicas } = shared;
    for (const replica of [...replicas, replicas[0] as TestGateway]) {
      answers.push(await replica.post({ query: BALANCE }, { authorization: CALLER_A }));
    }
    const bodies = await Promise.all(answers.map((answer) => answer.json()));
    expect(bodies.slice(0, 3)).toEqual([{ data: BALANCE_DATA }, { data: BALANCE_DATA }, { data: BALANCE_DATA }]);
    expect(answers.slice(0, 3).map((answer) => answer.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-limit')).toBe('3');
      expect(answer.headers.get('ratelimit-policy')).toBe('3;w=60');
      const reset = Number(answer.headers.get('ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
    }

    const refused = answers[3] as Response;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(refused.status).toBe(429);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(bodies[3]).toEqual({
      errors: [
        {
          message: `Rate limit reached: retry in ${retryAfter} s.`,
          extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter },
        },
      ],
    });
    // Three operations reached the upstream, the refused fourth did not.
    expect(upstreamCalls(shared.sandbox)).toEqual(Array(3).fill(`GET ${balancePath('U1')}`));
  });

  it('leaves other callers unaffected', async () => {
    shared.sandbox.reset();
    for (const replica of shared.replicas) {
      expect(await replica.gql(BALANCE, undefined, { authorization: CALLER_B })).toEqual({ data: BALANCE_DATA });
    }
    // caller A is still over its limit, on every replica
    for (const replica of shared.replicas) {
      const answer = await replica.gql(BALANCE, undefined, { authorization: CALLER_A });
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    }
    expect(upstreamCalls(shared.sandbox)).toHaveLength(3);
  });

  it('answers application/json-only clients with HTTP 200 and the same error', async () => {
    const answer = await (shared.replicas[1] as TestGateway).post(
      { query: BALANCE },
      { authorization: CALLER_A, accept: 'application/json' },
    );
    expect(answer.status).toBe(200);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await answer.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
  });

  it('keeps the counts in Redis, under a hash of the Authorization value (never the credential)', async () => {
    const keys = await shared.redis.client.keys('coins-gateway:rate-limit:caller:*');
    expect(keys.length).toBe(2);
    for (const key of keys) {
      expect(key).toMatch(/^coins-gateway:rate-limit:caller:auth:[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain('caller-a');
      expect(key).not.toContain('caller-b');
    }
  });
});

describe('per-caller rate limit without Redis', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ RATE_LIMIT_OPERATIONS: '2', RATE_LIMIT_WINDOW_MS: '1000' });
  });
  afterAll(() => gateway.close());

  it('counts per process, and the window resets', async () => {
    expect(await gateway.gql(BALANCE, undefined, { authorization: CALLER_A })).toEqual({ data: BALANCE_DATA });
    expect(await gateway.gql(BALANCE, undefined, { authorization: CALLER_A })).toEqual({ data: BALANCE_DATA });
    const refused = await gateway.gql(BALANCE, undefined, { authorization: CALLER_A });
    expect(refused.errors?.map((error) => [error.extensions?.code, error.extensions?.retryAfter])).toEqual([
      ['RATE_LIMITED', 1],
    ]);
    // A request without Authorization is counted by its address, apart from caller A.
    expect(await gateway.gql('{ __typename }', undefined, { authorization: null })).toEqual({
      data: { __typename: 'Query' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await gateway.gql(BALANCE, undefined, { authorization: CALLER_A })).toEqual({ data: BALANCE_DATA });
    expect(upstreamCalls(gateway.sandbox)).toHaveLength(3);
  });

  it('a batch counts each operation; a refused one gives the response Retry-After and the last count', async () => {
    const CALLER_BATCH = 'Bearer batch-caller-token';
    const entries = Array.from({ length: 3 }, (_, i) => ({ query: `query Q${i} { __typename }` }));
    const response = await gateway.post(entries, { authorization: CALLER_BATCH });
    const results = (await response.json()) as Array<{
      data?: unknown;
      errors?: Array<{ extensions?: Record<string, unknown> }>;
    }>;
    // Two fit in the window of 2; which of the three entries is refused depends on their order of execution.
    expect(results.filter((result) => result.data !== undefined)).toEqual(
      Array(2).fill({ data: { __typename: 'Query' } }),
    );
    const refused = results.filter((result) => result.errors !== undefined);
    expect(refused.map((result) => result.errors?.map((error) => error.extensions?.code))).toEqual([['RATE_LIMITED']]);
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect(response.headers.get('retry-after')).toBe(String(refused[0]?.errors?.[0]?.extensions?.retryAfter));
  });

  it('sends no RateLimit headers when the limit is off', async () => {
    const plain = await startTestGateway({}, { sandbox: gateway.sandbox });
    try {
      const answer = await plain.post({ query: BALANCE });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('partner-wide upstream cap (UPSTREAM_RATE_LIMIT_PER_SECOND) across three replicas', () => {
  const shared = useRedisReplicas({ freshEachTest: true });

  it('never lets more than the cap reach the upstream in any second; calls beyond it wait and succeed', async () => {
    const replicas = await shared.start(3, { UPSTREAM_RATE_LIMIT_PER_SECOND: '5' });
    // 15 operations at once, 5 per replica: at 5 calls/s they take at least 2 s.
    const fifteenAtOnce = () =>
      Promise.all(replicas.flatMap((replica) => Array.from({ length: 5 }, () => replica.gql(BALANCE))));
    // A first round opens the replicas' upstream connections: a new connection can take tens of ms
    // under load, which would shift a call's arrival but not when it was let through.
    expect(await fifteenAtOnce()).toEqual(Array(15).fill({ data: BALANCE_DATA }));
    await new Promise((resolve) => setTimeout(resolve, 1_050));

    const arrivals = recordArrivals(shared.sandbox);
    const started = Date.now();
    const answers = await fifteenAtOnce();
    const elapsed = Date.now() - started;
    arrivals.stop();
    expect(answers).toEqual(Array(15).fill({ data: BALANCE_DATA }));
    expect(arrivals.times).toHaveLength(15);
    // Measured where it counts: arrivals at the upstream, in any 1000 ms. Without the cap all 15
    // arrive within a few ms; a fixed window would let 10 through around a window boundary.
    expect(maxInWindow(arrivals.times, 1_000)).toBeLessThanOrEqual(5);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(8_000);
  });

  it('fails RATE_LIMITED (retryAfter) without calling the upstream when no slot frees before the deadline', async () => {
    const [replica] = await shared.start(1, { UPSTREAM_RATE_LIMIT_PER_SECOND: '2', COINS_API_TIMEOUT_MS: '300' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => (replica as TestGateway).gql(BALANCE)));
    const ok = answers.filter((answer) => answer.errors === undefined);
    const limited = answers.filter((answer) => answer.errors !== undefined);
    expect(ok).toEqual(Array(2).fill({ data: BALANCE_DATA }));
    expect(limited).toEqual(
      Array(4).fill({
        data: { coinBalance: null },
        errors: [
          {
            message: 'The gateway is at its call rate for the coins API; retry later.',
            path: ['coinBalance'],
            locations: [{ line: 1, column: 3 }],
            // A slot frees 1.1 s after it was taken (the cap's jitter margin), rounded up to whole
            // seconds: 2, or 1 for a request that arrived more than 100 ms after the first two.
            extensions: {
              code: 'RATE_LIMITED',
              retryable: true,
              retryAfter: expect.toSatisfy((n) => n === 1 || n === 2),
            },
          },
        ],
      }),
    );
    expect(upstreamCalls(shared.sandbox)).toHaveLength(2);
  });

  it('caps each process on its own without Redis', async () => {
    const [replica] = await shared.start(1, { UPSTREAM_RATE_LIMIT_PER_SECOND: '3' }, { redis: false });
    const arrivals = recordArrivals(shared.sandbox);
    const answers = await Promise.all(Array.from({ length: 7 }, () => (replica as TestGateway).gql(BALANCE)));
    arrivals.stop();
    expect(answers).toEqual(Array(7).fill({ data: BALANCE_DATA }));
    expect(maxInWindow(arrivals.times, 1_000)).toBeLessThanOrEqual(3);
  });
});

describe('per-caller rate limit by JWT subject (service mode with caller JWTs)', () => {
  const shared = useRedisReplicas({
    sandbox: { strictTokens: true },
    replicas: { count: 2, env: { ...SERVICE_MODE_ENV, RATE_LIMIT_OPERATIONS: '2', RATE_LIMIT_WINDOW_MS: '60000' } },
  });
  const token = (sub: string, jti: string) =>
    signHs256(TEST_JWT_SECRET, {
      sub,
      jti,
      companies: ['CEKEKCARDS'],
      scope: 'coins:balances',
      exp: nowSeconds() + 600,
    });

  it('counts one budget per subject whatever token it sends; another subject is unaffected', async () => {
    const [a, b] = shared.replicas as [TestGateway, TestGateway];
    const first = `Bearer ${await token('caller-1', 'token-1')}`;
    const second = `Bearer ${await token('caller-1', 'token-2')}`;
    expect(await a.gql(BALANCE, undefined, { authorization: first })).toEqual({ data: BALANCE_DATA });
    expect(await b.gql(BALANCE, undefined, { authorization: second })).toEqual({ data: BALANCE_DATA });
    const refused = await a.gql(BALANCE, undefined, { authorization: second });
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);

    const other = `Bearer ${await token('caller-2', 'token-3')}`;
    expect(await b.gql(BALANCE, undefined, { authorization: other })).toEqual({ data: BALANCE_DATA });
    expect(await shared.redis.client.keys('coins-gateway:rate-limit:caller:*')).toEqual(
      expect.arrayContaining([
        'coins-gateway:rate-limit:caller:sub:caller-1',
        'coins-gateway:rate-limit:caller:sub:caller-2',
      ]),
    );
  });
});
