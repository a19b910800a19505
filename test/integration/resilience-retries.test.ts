import { beforeEach, describe, expect, it } from 'vitest';
import type { FaultAction } from '../../src/sandbox/index.js';
import { fieldError } from '../helpers/graphql-assertions.js';
import { useTestGateway, upstreamCalls } from '../helpers/test-gateway.js';
import { ALLOCATE_PATH, BALANCE_PATH, CONFIG_PATH, CREATE_PATH, balancePath } from '../helpers/upstream-paths.js';

// Retries: only GETs are retried, only on connection errors, 502/503/504 and 429,
// at most COINS_API_RETRIES extra attempts, all inside the one COINS_API_TIMEOUT_MS deadline.
// The policy's timing (backoff, Retry-After waits, cutting waits at the deadline) has unit tests
// with fake timers (test/unit/resilience-retry.test.ts, coins-client.test.ts); here, the wiring
// through the real server, sandbox and sockets.

const COIN_EVENT = `query($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId amount } }`;
const COIN_BALANCE = `query($userId: ID!) { coinBalance(userId: $userId) { userId coins } }`;
const CREATE = `mutation { createCoinEvent(input: {configuration: DEFAULT, companyId: "RETRYCO", event: "NEW_EVENT", amount: 3}) { coinConfigId } }`;
const UPDATE = `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {amount: 9}) { coinConfigId amount } }`;
const ALLOCATE = `mutation($requestId: ID!) { allocateCoins(input: {companyId: "RETRYCO", event: "SIGNUP", userId: "USER1", requestId: $requestId}) { requestId message } }`;

const ENVELOPE_503 = '{"response_code":503,"response_message":"Service Unavailable","payload":null}';

function respond(status: number, headers?: Record<string, string>): FaultAction {
  return { kind: 'respond', status, body: status >= 500 ? ENVELOPE_503 : '', ...(headers ? { headers } : {}) };
}

/** The error every failed attempt of a 503 produces, as a client sees it. */
const UNAVAILABLE_503 = {
  code: 'UPSTREAM_UNAVAILABLE',
  retryable: true,
  upstream: { status: 503, responseCode: 503 },
};

/** A breaker that never opens here (it has its own tests), so every call reaches the upstream. */
const BREAKER_NEVER_OPENS = { COINS_API_BREAKER_FAILURES: '1000' };

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

describe('retries of idempotent reads (COINS_API_RETRIES=2, COINS_API_TIMEOUT_MS=5000)', () => {
  const gateway = useTestGateway({ ...BREAKER_NEVER_OPENS, COINS_API_TIMEOUT_MS: '5000' });
  let configId: string;
  // Runs after useTestGateway's own beforeEach, so on a freshly reset sandbox.
  beforeEach(() => {
    const created = gateway.sandbox.state.createConfig({
      configuration: 'DEFAULT',
      companyId: 'RETRYCO',
      event: 'SIGNUP',
      amount: 5,
    });
    if (!created.ok) throw new Error('sandbox setup failed');
    configId = created.config.coinConfigId;
  });

  const retriedFaults: Array<[string, FaultAction]> = [
    ['connection reset', { kind: 'reset' }],
    ['HTTP 502', respond(502)],
    ['HTTP 503', respond(503)],
    ['HTTP 504', respond(504)],
    ['HTTP 429 without Retry-After', respond(429)],
  ];

  it.each(retriedFaults)(
    'coinEvent: two failures (%s) then success → 3 upstream GETs, data returned',
    async (_name, action) => {
      gateway.sandbox.faults.inject({ action, method: 'GET', path: CONFIG_PATH, times: 2 });
      const result = await gateway.gql(COIN_EVENT, { id: configId });
      expect(result).toEqual({ data: { coinEvent: { coinConfigId: configId, amount: 5 } } });
      expect(upstreamCalls(gateway.sandbox)).toEqual(Array(3).fill(`GET ${CONFIG_PATH}${configId}`));
    },
  );

  it('coinBalance: a reset then a 503, then success → 3 upstream GETs, each the same request', async () => {
    gateway.sandbox.state.allocate({ requestId: 'seed-1', companyId: 'RETRYCO', event: 'SIGNUP', userId: 'USER7' });
    gateway.sandbox.faults.inject({ action: { kind: 'reset' }, method: 'GET', path: BALANCE_PATH, times: 1 });
    gateway.sandbox.faults.inject({ action: respond(503), method: 'GET', path: BALANCE_PATH, times: 1 });
    const result = await gateway.gql(COIN_BALANCE, { userId: 'USER7' });
    expect(result).toEqual({ data: { coinBalance: { userId: 'USER7', coins: 5 } } });
    expect(upstreamCalls(gateway.sandbox)).toEqual(Array(3).fill(`GET ${balancePath('USER7')}`));
    const [first, ...rest] = gateway.sandbox.requests;
    for (const again of rest) expect(again).toEqual(first);
  });

  it('gives up after 1 + COINS_API_RETRIES attempts and reports the last failure', async () => {
    gateway.sandbox.faults.inject({ action: respond(503), method: 'GET', path: CONFIG_PATH, times: Infinity });
    const result = await gateway.gql(COIN_EVENT, { id: configId });
    expect(result).toEqual({
      data: { coinEvent: null },
      errors: [fieldError(['coinEvent'], 'The coins API is unavailable (HTTP 503).', UNAVAILABLE_503, 19)],
    });
    expect(upstreamCalls(gateway.sandbox)).toHaveLength(3);
  });

  it('the last attempt decides: 503, 503, then a reset → UPSTREAM_UNAVAILABLE without an upstream answer', async () => {
    gateway.sandbox.faults.inject({ action: respond(503), method: 'GET', path: CONFIG_PATH, times: 2 });
    gateway.sandbox.faults.inject({ action: { kind: 'reset' }, method: 'GET', path: CONFIG_PATH, times: 1 });
    const result = await gateway.gql(COIN_EVENT, { id: configId });
    expect(result.data).toEqual({ coinEvent: null });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(result.errors?.[0]?.message).toBe('The coins API could not be reached.');
    expect(upstreamCalls(gateway.sandbox)).toHaveLength(3);
  });

  const notRetried: Array<[string, FaultAction, Record<string, unknown>]> = [
    [
      'HTTP 500',
      respond(500),
      { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 500, responseCode: 503 } },
    ],
    ['HTTP 400', respond(400), { code: 'BAD_USER_INPUT', retryable: false, upstream: { status: 400 } }],
    ['HTTP 401', respond(401), { code: 'UNAUTHENTICATED', retryable: false, upstream: { status: 401 } }],
    ['HTTP 403', respond(403), { code: 'FORBIDDEN', retryable: false, upstream: { status: 403 } }],
    [
      'a business rejection (HTTP 200, response_code 1)',
      { kind: 'respond', status: 200, body: '{"response_code":1,"response_message":"Nope","payload":null}' },
      {
        code: 'UPSTREAM_REJECTED',
        retryable: false,
        upstream: { status: 200, responseCode: 1, responseMessage: 'Nope' },
      },
    ],
    [
      'a body that is not JSON',
      { kind: 'respond', status: 200, body: '<html>oops</html>' },
      { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200 } },
    ],
  ];

  it.each(notRetried)('coinEvent is not retried on %s: 1 upstream GET', async (_name, action, extensions) => {
    gateway.sandbox.faults.inject({ action, method: 'GET', path: CONFIG_PATH, times: Infinity });
    const result = await gateway.gql(COIN_EVENT, { id: configId });
    expect(result.data).toEqual({ coinEvent: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toEqual(extensions);
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}${configId}`]);
  });

  it('a 404 is an answer (null), not retried: 1 upstream GET', async () => {
    const result = await gateway.gql(COIN_EVENT, { id: 'WCC000404' });
    expect(result).toEqual({ data: { coinEvent: null } });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}WCC000404`]);
  });

  it('gateway validation errors never reach the upstream (BAD_USER_INPUT, no retryable flag: not an upstream error)', async () => {
    const result = await gateway.gql(COIN_EVENT, { id: 'bad id!' });
    expect(result.data).toEqual({ coinEvent: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(result.errors?.[0]?.extensions).not.toHaveProperty('retryable');
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  describe('POST and PATCH are never repeated by the gateway', () => {
    const faults: Array<[string, FaultAction, Record<string, unknown>]> = [
      ['HTTP 503', respond(503), UNAVAILABLE_503],
      ['a connection reset', { kind: 'reset' }, { code: 'UPSTREAM_UNAVAILABLE', retryable: true }],
      [
        'HTTP 429',
        respond(429, { 'retry-after': '0' }),
        { code: 'RATE_LIMITED', retryable: true, retryAfter: 0, upstream: { status: 429 } },
      ],
    ];

    it.each(faults)('createCoinEvent on %s: 1 upstream POST, retryable error', async (_name, action, extensions) => {
      gateway.sandbox.faults.inject({ action, times: Infinity });
      const result = await gateway.gql(CREATE);
      expect(result.data).toBeNull();
      expect(result.errors?.map((error) => [error.path, error.extensions])).toEqual([
        [['createCoinEvent'], extensions],
      ]);
      expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
    });

    it.each(faults)(
      'allocateCoins on %s: 1 upstream POST, retryable error, nothing credited',
      async (_name, action, extensions) => {
        gateway.sandbox.faults.inject({ action, times: Infinity });
        const result = await gateway.gql(ALLOCATE, { requestId: 'req-1' });
        expect(result.data).toBeNull();
        expect(result.errors?.map((error) => [error.path, error.extensions])).toEqual([
          [['allocateCoins'], extensions],
        ]);
        expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${ALLOCATE_PATH}`]);
        expect(gateway.sandbox.state.ledger).toHaveLength(0);
      },
    );

    it.each(faults)('updateCoinEvent on %s: 1 upstream PATCH, retryable error', async (_name, action, extensions) => {
      gateway.sandbox.faults.inject({ action, times: Infinity });
      const result = await gateway.gql(UPDATE, { id: configId });
      expect(result.data).toBeNull();
      expect(result.errors?.map((error) => [error.path, error.extensions])).toEqual([
        [['updateCoinEvent'], extensions],
      ]);
      expect(upstreamCalls(gateway.sandbox)).toEqual([`PATCH ${CONFIG_PATH}${configId}`]);
      expect(gateway.sandbox.state.getConfig(configId)?.amount).toBe(5);
    });

    it('allocateCoins processed upstream but the answer lost: retryable error, and a client retry with the same requestId credits once', async () => {
      gateway.sandbox.faults.inject({
        action: { kind: 'reset-after-processing' },
        method: 'POST',
        path: ALLOCATE_PATH,
        times: 1,
      });
      const lost = await gateway.gql(ALLOCATE, { requestId: 'req-ambiguous' });
      expect(lost.data).toBeNull();
      expect(lost.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${ALLOCATE_PATH}`]);
      expect(gateway.sandbox.state.ledger).toHaveLength(1);

      const retried = await gateway.gql(ALLOCATE, { requestId: 'req-ambiguous' });
      expect(retried).toEqual({
        data: { allocateCoins: { requestId: 'req-ambiguous', message: 'Successfully allocated enkash Coins' } },
      });
      expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${ALLOCATE_PATH}`, `POST ${ALLOCATE_PATH}`]);
      expect(gateway.sandbox.state.ledger.map((entry) => [entry.requestId, entry.userId, entry.coins])).toEqual([
        ['req-ambiguous', 'USER1', 5],
      ]);
      expect(gateway.sandbox.state.balanceOf('USER1')).toBe(5);
    });
  });
});

describe('retries disabled (COINS_API_RETRIES=0)', () => {
  const gateway = useTestGateway({ ...BREAKER_NEVER_OPENS, COINS_API_RETRIES: '0' }, { resetSandboxBeforeEach: false });

  it('a 503 on coinBalance is reported after 1 upstream GET', async () => {
    gateway.sandbox.faults.inject({ action: respond(503), method: 'GET', times: Infinity });
    const result = await gateway.gql(COIN_BALANCE, { userId: 'USER1' });
    expect(result.data).toEqual({ coinBalance: null });
    expect(result.errors?.[0]?.extensions).toEqual(UNAVAILABLE_503);
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${balancePath('USER1')}`]);
  });
});

describe('every attempt inside one deadline', () => {
  describe('COINS_API_TIMEOUT_MS=500', () => {
    const gateway = useTestGateway({ ...BREAKER_NEVER_OPENS, COINS_API_TIMEOUT_MS: '500', COINS_API_RETRIES: '2' });

    it('a Retry-After beyond the deadline is not waited for: RATE_LIMITED with retryAfter 5 after 1 request', async () => {
      gateway.sandbox.faults.inject({ action: respond(429, { 'retry-after': '5' }), method: 'GET', times: Infinity });
      const { result, ms } = await timed(() => gateway.gql(COIN_BALANCE, { userId: 'USER1' }));
      const rateLimited = { code: 'RATE_LIMITED', retryable: true, retryAfter: 5, upstream: { status: 429 } };
      expect(result).toEqual({
        data: { coinBalance: null },
        errors: [fieldError(['coinBalance'], 'The coins API is rate limiting requests; retry later.', rateLimited, 23)],
      });
      expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${balancePath('USER1')}`]);
      expect(ms).toBeLessThan(500);
    });

    it('a slow answer: UPSTREAM_TIMEOUT at the deadline, 1 request, never retried after the deadline', async () => {
      gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 1_500 }, method: 'GET', times: Infinity });
      const { result, ms } = await timed(() => gateway.gql(COIN_BALANCE, { userId: 'USER1' }));
      expect(result.data).toEqual({ coinBalance: null });
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', retryable: true });
      expect(result.errors?.[0]?.message).toBe('The coins API did not answer in time.');
      expect(upstreamCalls(gateway.sandbox)).toHaveLength(1);
      expect(ms).toBeGreaterThanOrEqual(480);
      expect(ms).toBeLessThan(500 + 400);
    });

    it('a reset, then a slow answer: the retry shares the deadline → UPSTREAM_TIMEOUT within 500 ms, 2 requests', async () => {
      gateway.sandbox.faults.inject({ action: { kind: 'reset' }, method: 'GET', times: 1 });
      gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 1_500 }, method: 'GET', times: Infinity });
      const { result, ms } = await timed(() => gateway.gql(COIN_BALANCE, { userId: 'USER1' }));
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', retryable: true });
      expect(upstreamCalls(gateway.sandbox)).toHaveLength(2);
      expect(ms).toBeLessThan(500 + 400);
    });

    it('a slow answer that comes in time after a 503 is returned: 2 requests, data', async () => {
      gateway.sandbox.faults.inject({ action: respond(503), method: 'GET', times: 1 });
      gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 150 }, method: 'GET', times: 1 });
      const result = await gateway.gql(COIN_BALANCE, { userId: 'USER1' });
      expect(result).toEqual({ data: { coinBalance: { userId: 'USER1', coins: 0 } } });
      expect(upstreamCalls(gateway.sandbox)).toHaveLength(2);
    });
  });
});
