import { beforeEach, describe, expect, it } from 'vitest';
import type { FaultAction } from '../../src/sandbox/index.js';
import { upstreamCalls, useTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { balancePath } from '../helpers/upstream-paths.js';

// Circuit breaker: COINS_API_BREAKER_FAILURES consecutive failed calls (transport
// errors, timeouts, 5xx; a call with its retries counts once) open it; while open, calls fail
// fast with UPSTREAM_UNAVAILABLE without touching the upstream and GET /ready answers 503; after
// COINS_API_BREAKER_COOLDOWN_MS one trial call decides.

const COIN_BALANCE = `query($userId: ID!) { coinBalance(userId: $userId) { userId coins } }`;
const COOLDOWN_MS = 500;

const HTTP_503: FaultAction = { kind: 'respond', status: 503, body: '' };
const FAILED_503 = { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 503 } };
const REFUSED = {
  message: 'The coins API is failing; calls are paused briefly to let it recover.',
  path: ['coinBalance'],
  locations: [{ line: 1, column: 23 }],
  extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function balanceOf(gateway: TestGateway, userId = 'USER1') {
  return gateway.gql(COIN_BALANCE, { userId });
}

async function readyStatus(gateway: TestGateway): Promise<number> {
  const response = await fetch(`${gateway.url}/ready`);
  await response.arrayBuffer();
  return response.status;
}

/** Fails `count` calls with a 503 each and checks each one reached the upstream. */
async function failCalls(gateway: TestGateway, count: number): Promise<void> {
  gateway.sandbox.faults.inject({ action: HTTP_503, times: count });
  for (let i = 0; i < count; i += 1) {
    const before = gateway.sandbox.requests.length;
    const result = await balanceOf(gateway);
    expect(result.errors?.[0]?.extensions).toEqual(FAILED_503);
    expect(gateway.sandbox.requests.length).toBe(before + 1);
  }
}

describe('circuit breaker (FAILURES=3, COOLDOWN_MS=500, RETRIES=0)', () => {
  const gateway = useTestGateway(
    {
      COINS_API_BREAKER_FAILURES: '3',
      COINS_API_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      COINS_API_RETRIES: '0',
      COINS_API_TIMEOUT_MS: '300',
    },
    { resetSandboxBeforeEach: false },
  );
  beforeEach(async () => {
    // Leave every test with a closed circuit: wait out a cooldown, then one good call.
    gateway.sandbox.reset();
    if ((await readyStatus(gateway)) !== 200) await sleep(COOLDOWN_MS + 50);
    expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: { userId: 'USER1', coins: 0 } } });
    gateway.sandbox.reset();
  });

  it('opens after 3 consecutive failed calls: the 4th fails fast without an upstream request, /ready 503', async () => {
    expect(await readyStatus(gateway)).toBe(200);
    await failCalls(gateway, 2);
    expect(await readyStatus(gateway)).toBe(200);
    await failCalls(gateway, 1);
    expect(upstreamCalls(gateway.sandbox)).toEqual(Array(3).fill(`GET ${balancePath('USER1')}`));

    const started = performance.now();
    const refused = await balanceOf(gateway);
    expect(performance.now() - started).toBeLessThan(200);
    expect(refused).toEqual({ data: { coinBalance: null }, errors: [REFUSED] });
    expect(gateway.sandbox.requests).toHaveLength(3);
    expect(await readyStatus(gateway)).toBe(503);

    // Mutations are refused too, and /health stays a plain liveness check.
    const allocation = await gateway.gql(
      `mutation { allocateCoins(input: {companyId: "C1", event: "E1", userId: "USER1", requestId: "r-1"}) { requestId } }`,
    );
    expect(allocation.data).toBeNull();
    expect(allocation.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(gateway.sandbox.requests).toHaveLength(3);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('after the cooldown a trial call goes through; its success closes the circuit', async () => {
    await failCalls(gateway, 3);
    expect((await balanceOf(gateway)).errors).toEqual([REFUSED]);
    expect(gateway.sandbox.requests).toHaveLength(3);
    await sleep(COOLDOWN_MS + 50);
    // Once the cooldown is over calls would no longer be refused: /ready says so before the trial.
    expect(await readyStatus(gateway)).toBe(200);

    expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: { userId: 'USER1', coins: 0 } } });
    expect(gateway.sandbox.requests).toHaveLength(4);
    expect(await readyStatus(gateway)).toBe(200);
    // Closed again: the next failures are counted from zero, and a single one does not reopen it.
    await failCalls(gateway, 1);
    expect(await balanceOf(gateway, 'USER2')).toEqual({ data: { coinBalance: { userId: 'USER2', coins: 0 } } });
    expect(gateway.sandbox.requests).toHaveLength(6);
  });

  it('a failing trial reopens the circuit for another cooldown', async () => {
    await failCalls(gateway, 3);
    await sleep(COOLDOWN_MS + 50);
    await failCalls(gateway, 1); // the trial
    expect(gateway.sandbox.requests).toHaveLength(4);
    expect(await readyStatus(gateway)).toBe(503);
    expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: null }, errors: [REFUSED] });
    expect(gateway.sandbox.requests).toHaveLength(4);
  });

  it('timeouts and connection resets count as failures', async () => {
    gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 600 }, times: 2 });
    gateway.sandbox.faults.inject({ action: { kind: 'reset' }, times: 1 });
    expect((await balanceOf(gateway)).errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    expect((await balanceOf(gateway)).errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    expect((await balanceOf(gateway)).errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
    });
    expect(gateway.sandbox.requests).toHaveLength(3);
    expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: null }, errors: [REFUSED] });
    expect(gateway.sandbox.requests).toHaveLength(3);
  });

  const streakBreakers: Array<[string, FaultAction, string]> = [
    ['a 400', { kind: 'respond', status: 400, body: '' }, 'BAD_USER_INPUT'],
    ['a 429', { kind: 'respond', status: 429, body: '' }, 'RATE_LIMITED'],
    [
      'a business rejection',
      { kind: 'respond', status: 200, body: '{"response_code":1,"response_message":"No","payload":null}' },
      'UPSTREAM_REJECTED',
    ],
  ];

  it.each(streakBreakers)(
    '%s is an answer, not a failure: it does not count and resets the streak',
    async (_name, action, code) => {
      await failCalls(gateway, 2);
      gateway.sandbox.faults.inject({ action, times: 1 });
      expect((await balanceOf(gateway)).errors?.[0]?.extensions?.code).toBe(code);
      await failCalls(gateway, 2);
      // 2 + 2 failures, but not consecutive: still closed, the next call reaches the upstream.
      expect(await readyStatus(gateway)).toBe(200);
      expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: { userId: 'USER1', coins: 0 } } });
      expect(gateway.sandbox.requests).toHaveLength(6);
    },
  );

  it('a 404 (coinEvent → null) does not count either', async () => {
    await failCalls(gateway, 2);
    const missing = await gateway.gql(`{ coinEvent(coinConfigId: "WCC000001") { coinConfigId } }`);
    expect(missing).toEqual({ data: { coinEvent: null } });
    await failCalls(gateway, 2);
    expect(await readyStatus(gateway)).toBe(200);
    expect(gateway.sandbox.requests).toHaveLength(5);
  });
});

describe('one call with its retries counts once (FAILURES=3, RETRIES=2)', () => {
  const gateway = useTestGateway(
    { COINS_API_BREAKER_FAILURES: '3', COINS_API_BREAKER_COOLDOWN_MS: '60000', COINS_API_RETRIES: '2' },
    { resetSandboxBeforeEach: false },
  );

  it('3 calls of 3 failed attempts each open it, not the first call’s 3 attempts', async () => {
    gateway.sandbox.faults.inject({ action: HTTP_503, times: Infinity });
    for (let call = 1; call <= 3; call += 1) {
      const result = await balanceOf(gateway);
      expect(result.errors?.[0]?.extensions).toEqual(FAILED_503);
      expect(gateway.sandbox.requests).toHaveLength(3 * call);
      expect(await readyStatus(gateway)).toBe(call < 3 ? 200 : 503);
    }
    expect(await balanceOf(gateway)).toEqual({ data: { coinBalance: null }, errors: [REFUSED] });
    expect(gateway.sandbox.requests).toHaveLength(9);
  });
});
