import { afterEach, describe, expect, it, vi } from 'vitest';
import { DOCUMENTED_EXAMPLE_CONFIG } from '../../src/sandbox/index.js';
import { createCoinsClient } from '../../src/upstream/coins-client.js';
import { UpstreamError } from '../../src/upstream/upstream-error.js';
import { envelopeBody } from '../helpers/fault-actions.js';
import {
  answer,
  fakeTransport,
  memoryLogger,
  testResilience,
  type FakeReply,
  type SentRequest,
  upstreamCallFailedLine,
} from '../helpers/upstream-fakes.js';
import { ALLOCATE_PATH, BALANCE_PATH, CONFIG_PATH, CREATE_PATH } from '../helpers/upstream-paths.js';

// The coins client against a fake transport: the exact requests each method sends, what each
// answer becomes, what is logged, and which calls are never repeated. No sockets.

const CALLER = { authorization: 'Bearer unit-test-token' };
const CONFIG = DOCUMENTED_EXAMPLE_CONFIG;
const ok = (payload: unknown) => answer(200, envelopeBody(0, 'Success', payload));
const READ_HEADERS = { accept: 'application/json', authorization: CALLER.authorization };
const WRITE_HEADERS = { ...READ_HEADERS, 'content-type': 'application/json' };

function clientWith(replies: FakeReply[], options: { retries?: number; timeoutMs?: number } = {}) {
  const transport = fakeTransport(...replies);
  const log = memoryLogger();
  const client = createCoinsClient({
    transport,
    resilience: testResilience({ retries: options.retries ?? 0 }),
    timeoutMs: options.timeoutMs ?? 10_000,
    logger: log.logger,
  });
  return { client, transport, log, failures: () => log.lines.filter((line) => line.event === 'upstream_call_failed') };
}

type Client = ReturnType<typeof clientWith>['client'];

/** The UpstreamError a call rejects with. */
async function rejection(call: Promise<unknown>): Promise<UpstreamError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('coins client: one documented request per method', () => {
  // Keys given in another order, and a field the endpoint does not take: neither reaches the wire.
  const unorderedCreate = {
    amount: 6,
    event: 'MEAL_CARD_PAYMENT',
    companyId: 'CEKEKCARDS',
    configuration: 'DEFAULT' as const,
    extra: 1,
  };
  const allocation = { userId: 'EKQZVMQK', requestId: 'REQ1', event: 'SIGNUP', companyId: 'CEKEKCARDS' };

  it.each(
    Object.entries<{ payload: unknown; call: (client: Client) => Promise<unknown>; sent: SentRequest }>({
      'createCoinConfig POSTs exactly the documented fields, in the documented order': {
        payload: CONFIG,
        call: (client) => client.createCoinConfig(unorderedCreate, CALLER),
        sent: {
          method: 'POST',
          path: CREATE_PATH,
          headers: WRITE_HEADERS,
          body: '{"configuration":"DEFAULT","companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","amount":6}',
        },
      },
      'getCoinConfig GETs the id as one encoded path segment, without a body or content-type': {
        payload: CONFIG,
        call: (client) => client.getCoinConfig('WCC 1/2', CALLER),
        sent: { method: 'GET', path: `${CONFIG_PATH}WCC%201%2F2`, headers: READ_HEADERS, body: undefined },
      },
      'updateCoinConfig PATCHes only the fields given': {
        payload: { coinConfigId: 'WCC817428', amount: 10 },
        call: (client) => client.updateCoinConfig('WCC817428', { amount: 10 }, CALLER),
        sent: { method: 'PATCH', path: `${CONFIG_PATH}WCC817428`, headers: WRITE_HEADERS, body: '{"amount":10}' },
      },
      'allocateCoins POSTs the four documented fields and returns the confirmation': {
        payload: 'Successfully allocated enkash Coins',
        call: (client) => client.allocateCoins(allocation, CALLER),
        sent: {
          method: 'POST',
          path: ALLOCATE_PATH,
          headers: WRITE_HEADERS,
          body: '{"companyId":"CEKEKCARDS","event":"SIGNUP","requestId":"REQ1","userId":"EKQZVMQK"}',
        },
      },
      'getBalance GETs the balance with the userId encoded in the query': {
        payload: 42,
        call: (client) => client.getBalance('U&userId=other', CALLER),
        sent: {
          method: 'GET',
          path: `${BALANCE_PATH}?userId=U%26userId%3Dother`,
          headers: READ_HEADERS,
          body: undefined,
        },
      },
    }),
  )('%s', async (_title, { payload, call, sent }) => {
    const { client, transport } = clientWith([ok(payload)]);
    expect(await call(client)).toEqual(payload);
    expect(transport.sent).toEqual([sent]);
  });

  it('gives the transport a deadline of timeoutMs', async () => {
    vi.useFakeTimers();
    const { client, transport } = clientWith([ok(42)], { timeoutMs: 2_500 });
    await client.getBalance('U1', CALLER);
    expect(transport.requests[0]?.deadline.remainingMs()).toBe(2_500);
    expect(transport.requests[0]?.deadline.expired).toBe(false);
  });
});

describe('coins client: what an answer becomes', () => {
  it('a business rejection (HTTP 200, response_code 1) rejects with the upstream answer', async () => {
    const { client } = clientWith([answer(200, envelopeBody(1, 'Coin configuration already exists'))]);
    const error = await rejection(client.createCoinConfig({ ...CONFIG }, CALLER));
    expect(error.reason).toBe('rejected');
    expect(error.answer).toEqual({
      status: 200,
      responseCode: 1,
      responseMessage: 'Coin configuration already exists',
    });
  });

  it('a payload that is not the documented shape is a bad response', async () => {
    const { client } = clientWith([ok({ ...CONFIG, amount: '6' })]);
    const error = await rejection(client.createCoinConfig({ ...CONFIG }, CALLER));
    expect(error.reason).toBe('bad-response');
    expect(error.detail).toMatch(/^payload does not match the documented shape: amount: /);
  });

  it.each([
    ['getCoinConfig', (client: Client) => client.getCoinConfig('WCC000001', CALLER)],
    ['getBalance', (client: Client) => client.getBalance('NOBODY', CALLER)],
  ])('%s: a 404 is null, an answer rather than a failure, and is not logged', async (_name, read) => {
    const { client, transport, failures } = clientWith([answer(404, envelopeBody(404, 'Not found'))], { retries: 2 });
    expect(await read(client)).toBeNull();
    expect(transport.sent).toHaveLength(1);
    expect(failures()).toEqual([]);
  });

  it('updateCoinConfig: a 404 is a failure (the target of a change is missing), and is logged', async () => {
    const { client, failures } = clientWith([answer(404, envelopeBody(404, 'Coin configuration not found'))]);
    const error = await rejection(client.updateCoinConfig('WCC000001', { amount: 3 }, CALLER));
    expect(error.reason).toBe('http-status');
    expect(error.answer).toEqual({ status: 404, responseCode: 404, responseMessage: 'Coin configuration not found' });
    expect(failures()).toHaveLength(1);
  });

  it('a GET answered 404 with a business code in a 200 is still a rejection, not null', async () => {
    const { client } = clientWith([answer(200, envelopeBody(404, 'Not found'))]);
    expect((await rejection(client.getCoinConfig('WCC000001', CALLER))).reason).toBe('rejected');
  });
});

describe('coins client: the log line of a failed call', () => {
  it('is one structured warning with the endpoint, the attempts and the upstream answer, without the credential', async () => {
    const { client, log, failures } = clientWith([answer(503, '')]);
    await rejection(client.createCoinConfig({ ...CONFIG }, CALLER));
    expect(failures()).toEqual([
      upstreamCallFailedLine({
        endpoint: 'create-event',
        method: 'POST',
        path: CREATE_PATH,
        attempts: 1,
        reason: 'http-status',
        upstream: { status: 503 },
        detail: 'HTTP 503',
      }),
    ]);
    expect(log.lines).toHaveLength(1);
    expect(log.text()).not.toContain('unit-test-token');
  });

  it('names each endpoint', async () => {
    const { client, failures } = clientWith([answer(503, '')]);
    await rejection(client.createCoinConfig({ ...CONFIG }, CALLER));
    await rejection(client.getCoinConfig('WCC1', CALLER));
    await rejection(client.updateCoinConfig('WCC1', { amount: 1 }, CALLER));
    await rejection(client.allocateCoins({ companyId: 'C', event: 'E', requestId: 'R', userId: 'U' }, CALLER));
    await rejection(client.getBalance('U', CALLER));
    expect(failures().map((line) => [line.endpoint, line.method])).toEqual([
      ['create-event', 'POST'],
      ['get-event', 'GET'],
      ['update-event', 'PATCH'],
      ['allocate-coins', 'POST'],
      ['get-balance', 'GET'],
    ]);
  });

  it('an error that is not an UpstreamError is logged as unexpected and rethrown as it is', async () => {
    const bug = new TypeError('undici was called wrongly');
    const { client, failures } = clientWith([bug]);
    await expect(client.getBalance('U1', CALLER)).rejects.toBe(bug);
    expect(failures()).toEqual([
      expect.objectContaining({
        endpoint: 'get-balance',
        attempts: 1,
        reason: 'unexpected',
        detail: 'TypeError: undici was called wrongly',
      }),
    ]);
  });
});

describe('coins client: what is sent again', () => {
  const connectionReset = () => new UpstreamError({ reason: 'connection', detail: 'ECONNRESET' });

  const writes: Array<[string, (client: Client) => Promise<unknown>]> = [
    ['createCoinConfig', (client) => client.createCoinConfig({ ...CONFIG }, CALLER)],
    ['updateCoinConfig', (client) => client.updateCoinConfig('WCC817428', { amount: 10 }, CALLER)],
    [
      'allocateCoins',
      (client) => client.allocateCoins({ companyId: 'C', event: 'E', requestId: 'R', userId: 'U' }, CALLER),
    ],
  ];
  const retriedOnReads: Array<[string, FakeReply]> = [
    ['HTTP 503', answer(503, '')],
    ['HTTP 429 with Retry-After: 0', answer(429, '', { 'retry-after': '0' })],
    ['a connection reset', connectionReset()],
  ];

  describe.each(writes)('%s', (_name, write) => {
    it.each(retriedOnReads)('is sent once on %s, whatever the retry budget', async (_failure, failure) => {
      // The second answer would succeed: only a retry could reach it.
      const { client, transport, failures } = clientWith([failure, ok(CONFIG)], { retries: 5 });
      await rejection(write(client));
      expect(transport.sent).toHaveLength(1);
      expect(failures()).toEqual([expect.objectContaining({ attempts: 1 })]);
    });
  });

  it('a GET is retried with the same request and one deadline for every attempt, and the log counts the attempts', async () => {
    vi.useFakeTimers();
    const { client, transport, failures } = clientWith([connectionReset(), answer(503, ''), answer(503, '')], {
      retries: 2,
    });
    const read = rejection(client.getBalance('U1', CALLER));
    await vi.runAllTimersAsync();
    const error = await read;
    expect(error.answer).toEqual({ status: 503 });
    expect(transport.sent).toHaveLength(3);
    expect(new Set(transport.sent.map((request) => JSON.stringify(request))).size).toBe(1);
    expect(new Set(transport.requests.map((request) => request.deadline)).size).toBe(1);
    expect(failures()).toEqual([
      expect.objectContaining({ endpoint: 'get-balance', attempts: 3, reason: 'http-status' }),
    ]);
  });

  it('a GET answered 429 with Retry-After: 1 is sent again after one second, not before', async () => {
    vi.useFakeTimers();
    const { client, transport } = clientWith([answer(429, '', { 'retry-after': '1' }), ok(7)], { retries: 2 });
    const read = client.getBalance('U1', CALLER);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent).toHaveLength(2);
    expect(await read).toBe(7);
  });
});
