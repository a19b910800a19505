import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { listen, type ListeningServer } from '../../src/server/http-server.js';
import type { CoinsClient } from '../../src/upstream/coins-client.js';
import type { FaultAction } from '../../src/sandbox/index.js';
import { envelopeBody, jsonReply } from '../helpers/fault-actions.js';
import { createForwardingGateway } from '../helpers/forwarding-gateway.js';
import { fieldError, sentRequests } from '../helpers/graphql-assertions.js';
import { listenOnLoopback } from '../helpers/loopback-server.js';
import {
  AUTH,
  startTestGateway,
  useTestGateway,
  upstreamCalls,
  type GraphQLResponse,
  type TestGateway,
} from '../helpers/test-gateway.js';
import { BALANCE_PATH, balancePath, CONFIG_PATH, CREATE_PATH } from '../helpers/upstream-paths.js';

/**
 * Every row of the error table (README, "Errors"), through the real server in front of the real sandbox
 * with injected faults: the exact GraphQL error a client sees, the upstream requests it cost, and
 * the structured log line each upstream failure leaves.
 */

/**
 * No retries (each upstream failure costs exactly one request) and a breaker that never opens
 * (the breaker has its own tests): every test sees the raw mapping.
 */
const RAW_MAPPING = { COINS_API_RETRIES: '0', COINS_API_BREAKER_FAILURES: '1000' };

const INPUT = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };
const SENT_BODY = '{"configuration":"DEFAULT","companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","amount":6}';
const FIELDS = 'coinConfigId configuration companyId event amount';
// One line each, so an error's location is column = index of the field + 1.
const CREATE = `mutation Create($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { ${FIELDS} } }`;
const GET = `query Get($id: ID!) { coinEvent(coinConfigId: $id) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!) { updateCoinEvent(coinConfigId: $id, input: { amount: 10 }) { ${FIELDS} } }`;
const HTML_502 =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';

/** Where `field` stands in a one-line operation: the column its error is located at. */
function columnOf(query: string, field: string): number {
  const index = query.indexOf(`${field}(`);
  if (index < 0) throw new Error(`${field} not in query`);
  return index + 1;
}

/** A field error on createCoinEvent, as the client sees the whole response. */
function createFailed(message: string, extensions: Record<string, unknown>) {
  return {
    data: null,
    errors: [fieldError(['createCoinEvent'], message, extensions, columnOf(CREATE, 'createCoinEvent'))],
  };
}

function getFailed(message: string, extensions: Record<string, unknown>) {
  return {
    data: { coinEvent: null },
    errors: [fieldError(['coinEvent'], message, extensions, columnOf(GET, 'coinEvent'))],
  };
}

const BALANCE = '{ coinBalance(userId: "EKQZVMQK") { coins } }';
const UNAVAILABLE = 'The coins API could not be reached.';
const TIMEOUT = 'The coins API did not answer in time.';
const BAD_RESPONSE = 'The coins API sent a response the gateway cannot read.';

/** No address, token or stack trace may reach a client. */
function expectNothingLeaks(response: unknown, upstreamUrl: string): void {
  const text = JSON.stringify(response);
  const hostPort = new URL(upstreamUrl).host;
  expect(text).not.toContain(hostPort);
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain('localhost');
  expect(text).not.toContain('test-token-123');
  expect(text).not.toContain('Bearer');
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toContain('"stack"');
  expect(text).not.toContain('originalError');
}

/** Structured upstream-failure log lines written since `from`. */
function failureLines(gateway: TestGateway, from: number) {
  return gateway.logs.slice(from).filter((line) => line.event === 'upstream_call_failed');
}

async function closedPortUrl(): Promise<string> {
  const server: Server = createServer();
  const url = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

describe('the error table, through the real server and the sandbox', () => {
  const gateway = useTestGateway(RAW_MAPPING);
  let logStart = 0;
  beforeEach(() => {
    logStart = gateway.logs.length;
  });

  /** Asserts one log line for the one failed call, structured and free of secrets. */
  function expectOneFailureLogged(fields: Record<string, unknown>): void {
    const lines = failureLines(gateway, logStart);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'upstream call failed', attempts: 1, ...fields });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(gateway.logText()).not.toContain('test-token-123');
  }

  /** One upstream call that fails in one way, and everything a client and the log see of it. */
  interface FailedCall {
    /** What the upstream does, as the test title says it (after extensions.code). */
    upstream: string;
    action: FaultAction;
    message: string;
    extensions: Record<string, unknown> & { code: string };
    /** Fields of the one structured log line, besides event, endpoint, method, path and attempts. */
    logged: Record<string, unknown>;
    /** Text of the upstream's answer that must not reach the client. */
    notShown?: string;
  }

  const byField = {
    createCoinEvent: {
      query: CREATE,
      variables: { input: INPUT },
      failed: createFailed,
      method: 'POST',
      path: CREATE_PATH,
      endpoint: 'create-event',
    },
    coinEvent: {
      query: GET,
      variables: { id: 'WCC123456' },
      failed: getFailed,
      method: 'GET',
      path: `${CONFIG_PATH}WCC123456`,
      endpoint: 'get-event',
    },
  } as const;

  const REJECTED_INPUT = 'Invalid parameter: amount must be a positive integer';
  const RATE_LIMITED = 'The coins API is rate limiting requests; retry later.';
  const badPayloads: Array<[string, Record<string, unknown>]> = [
    [
      'a missing field',
      { coinConfigId: 'WCC817428', configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT' },
    ],
    [
      'a wrong type',
      {
        coinConfigId: 'WCC817428',
        configuration: 'DEFAULT',
        companyId: 'CEKEKCARDS',
        event: 'MEAL_CARD_PAYMENT',
        amount: '6',
      },
    ],
    [
      'an unknown enum value',
      {
        coinConfigId: 'WCC817428',
        configuration: 'PREMIUM',
        companyId: 'CEKEKCARDS',
        event: 'MEAL_CARD_PAYMENT',
        amount: 6,
      },
    ],
    [
      "an amount beyond GraphQL's Int (2^31)",
      {
        coinConfigId: 'WCC817428',
        configuration: 'DEFAULT',
        companyId: 'CEKEKCARDS',
        event: 'MEAL_CARD_PAYMENT',
        amount: 2_147_483_648,
      },
    ],
  ];

  /** createCoinEvent: a POST, never resent. */
  const createFailures: FailedCall[] = [
    ...[400, 422].map((status) => ({
      upstream: `HTTP ${status} carries the upstream reason`,
      action: jsonReply(status, envelopeBody(status, REJECTED_INPUT)),
      message: `The coins API rejected the input: ${REJECTED_INPUT}`,
      extensions: {
        code: 'BAD_USER_INPUT',
        retryable: false,
        upstream: { status, responseCode: status, responseMessage: REJECTED_INPUT },
      },
      logged: { reason: 'http-status', upstream: { status, responseCode: status } },
    })),
    {
      upstream: '429 with Retry-After on a mutation: retryAfter in seconds, sent once',
      action: jsonReply(429, envelopeBody(429, 'Too many requests'), { 'retry-after': '7' }),
      message: RATE_LIMITED,
      extensions: {
        code: 'RATE_LIMITED',
        retryable: true,
        upstream: { status: 429, responseCode: 429, responseMessage: 'Too many requests' },
        retryAfter: 7,
      },
      logged: { reason: 'http-status', upstream: { status: 429 } },
    },
    {
      upstream: '429 without Retry-After has no retryAfter',
      action: { kind: 'respond', status: 429 },
      message: RATE_LIMITED,
      extensions: { code: 'RATE_LIMITED', retryable: true, upstream: { status: 429 } },
      logged: { reason: 'http-status', upstream: { status: 429 } },
    },
    {
      upstream: '503 with a JSON envelope',
      action: jsonReply(503, envelopeBody(503, 'Service Unavailable')),
      message: 'The coins API is unavailable (HTTP 503).',
      extensions: {
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
        upstream: { status: 503, responseCode: 503 },
      },
      logged: { reason: 'http-status', upstream: { status: 503 } },
    },
    {
      upstream: 'a connection reset (a POST is not resent)',
      action: { kind: 'reset' },
      message: UNAVAILABLE,
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      logged: { reason: 'connection' },
    },
    ...[
      ['an HTML page', { 'content-type': 'text/html' }, '<html><body>Welcome</body></html>'] as const,
      ['an empty body', {}, ''] as const,
      ['JSON that is not the envelope', { 'content-type': 'application/json' }, '{"status":"ok","data":{}}'] as const,
    ].map(([label, headers, body]) => ({
      upstream: `HTTP 200 with ${label}`,
      action: { kind: 'respond' as const, status: 200, headers, body },
      message: BAD_RESPONSE,
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200 } },
      logged: { reason: 'bad-response', upstream: { status: 200 } },
      notShown: body || undefined,
    })),
    ...badPayloads.map(([label, payload]) => ({
      upstream: `a create payload with ${label}`,
      action: jsonReply(200, envelopeBody(0, 'Success', payload)),
      message: BAD_RESPONSE,
      extensions: {
        code: 'UPSTREAM_BAD_RESPONSE',
        retryable: false,
        upstream: { status: 200, responseCode: 0 },
      },
      logged: {
        reason: 'bad-response',
        detail: expect.stringMatching(/^payload does not match the documented shape: /),
      },
    })),
  ];

  /** coinEvent: a GET, and retries are off here. */
  const readFailures: FailedCall[] = [
    {
      upstream: 'HTTP 403, whatever the body',
      action: {
        kind: 'respond',
        status: 403,
        headers: { 'content-type': 'text/html' },
        body: '<h1>Access denied</h1>',
      },
      message: 'The coins API refused access to this resource.',
      extensions: { code: 'FORBIDDEN', retryable: false, upstream: { status: 403 } },
      logged: { reason: 'http-status', upstream: { status: 403 } },
      notShown: 'Access denied',
    },
    {
      upstream: '429 on a read with retries off (COINS_API_RETRIES=0): one request',
      action: { kind: 'respond', status: 429, headers: { 'retry-after': '3' } },
      message: RATE_LIMITED,
      extensions: { code: 'RATE_LIMITED', retryable: true, upstream: { status: 429 }, retryAfter: 3 },
      logged: { reason: 'http-status', upstream: { status: 429 } },
    },
    {
      upstream: "502 with a proxy's HTML error page (none of it reaches the client)",
      action: { kind: 'respond', status: 502, headers: { 'content-type': 'text/html' }, body: HTML_502 },
      message: 'The coins API is unavailable (HTTP 502).',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 502 } },
      logged: { reason: 'http-status', upstream: { status: 502 } },
      notShown: 'cloudflare',
    },
  ];

  const failedCalls = [
    ...createFailures.map((failure) => ({ ...failure, field: 'createCoinEvent' as const })),
    ...readFailures.map((failure) => ({ ...failure, field: 'coinEvent' as const })),
  ];

  for (const { upstream, field, action, message, extensions, logged, notShown } of failedCalls) {
    it(`${extensions.code}: ${upstream}`, async () => {
      const call = byField[field];
      gateway.sandbox.faults.inject({ path: call.path, method: call.method, action });
      const response = await gateway.gql(call.query, call.variables);
      expect(response).toEqual(call.failed(message, extensions));
      expect(upstreamCalls(gateway.sandbox)).toEqual([`${call.method} ${call.path}`]);
      expectNothingLeaks(response, gateway.sandbox.url);
      if (notShown) expect(JSON.stringify(response)).not.toContain(notShown);
      expectOneFailureLogged({ endpoint: call.endpoint, method: call.method, path: call.path, ...logged });
    });
  }

  it('BAD_USER_INPUT: gateway validation fails before any upstream call', async () => {
    const response = await gateway.gql(CREATE, { input: { ...INPUT, amount: 0 } });
    expect(response).toEqual(
      createFailed('Invalid input: input.amount: must be at least 1', {
        code: 'BAD_USER_INPUT',
        issues: [{ path: ['input', 'amount'], message: 'must be at least 1' }],
      }),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    expect(failureLines(gateway, logStart)).toEqual([]);
  });

  describe('UNAUTHENTICATED', () => {
    it('no Authorization header: the field fails and the upstream is never called', async () => {
      const response = await gateway.gql(CREATE, { input: INPUT }, { authorization: null });
      expect(response).toEqual(
        createFailed(
          'Authentication required: send an Authorization header (e.g. "Bearer <access token>") for the coins API.',
          { code: 'UNAUTHENTICATED' },
        ),
      );
      const read = await gateway.gql(GET, { id: 'WCC123456' }, { authorization: null });
      expect(read.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(read.data).toEqual({ coinEvent: null });
      expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    });

    it('an empty Authorization header counts as none', async () => {
      const response = await gateway.gql(CREATE, { input: INPUT }, { authorization: '' });
      expect(response.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    });

    it('upstream HTTP 401 (a credential the upstream refuses)', async () => {
      const response = await gateway.gql(CREATE, { input: INPUT }, { authorization: 'Basic c2VjcmV0LWNsaWVudDpwdw==' });
      expect(response).toEqual(
        createFailed('The coins API did not accept the credentials.', {
          code: 'UNAUTHENTICATED',
          retryable: false,
          upstream: { status: 401, responseCode: 401, responseMessage: 'Unauthorized' },
        }),
      );
      expect(gateway.sandbox.requests).toHaveLength(1);
      expect(gateway.sandbox.requests[0]?.headers.authorization).toBe('Basic c2VjcmV0LWNsaWVudDpwdw==');
      expect(JSON.stringify(response)).not.toContain('c2VjcmV0LWNsaWVudDpwdw==');
      expect(gateway.logText()).not.toContain('c2VjcmV0LWNsaWVudDpwdw==');
      expectOneFailureLogged({ reason: 'http-status', upstream: { status: 401 } });
    });
  });

  describe('NOT_FOUND', () => {
    it('updateCoinEvent on an unknown id', async () => {
      const response = await gateway.gql(UPDATE, { id: 'WCC000001' });
      const notFound = {
        code: 'NOT_FOUND',
        retryable: false,
        upstream: { status: 404, responseCode: 404, responseMessage: 'Coin configuration not found' },
      };
      const column = columnOf(UPDATE, 'updateCoinEvent');
      expect(response).toEqual({
        data: null,
        errors: [fieldError(['updateCoinEvent'], 'Not found: Coin configuration not found', notFound, column)],
      });
      expect(sentRequests(gateway.sandbox)).toEqual([
        { method: 'PATCH', path: `${CONFIG_PATH}WCC000001`, body: '{"amount":10}' },
      ]);
      expectOneFailureLogged({
        endpoint: 'update-event',
        method: 'PATCH',
        reason: 'http-status',
        upstream: { status: 404 },
      });
    });

    it('coinEvent on an unknown id is null without an error (and is not logged as a failure)', async () => {
      const response = await gateway.gql(GET, { id: 'WCC000001' });
      expect(response).toEqual({ data: { coinEvent: null } });
      expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}WCC000001`]);
      expect(failureLines(gateway, logStart)).toEqual([]);
    });
  });

  it("UPSTREAM_REJECTED: a duplicate create has the upstream's response_message as message", async () => {
    const first = await gateway.gql(CREATE, { input: INPUT });
    expect(first.errors).toBeUndefined();
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response).toEqual(
      createFailed('Coin configuration already exists for this company and event', {
        code: 'UPSTREAM_REJECTED',
        retryable: false,
        upstream: {
          status: 200,
          responseCode: 1,
          responseMessage: 'Coin configuration already exists for this company and event',
        },
      }),
    );
    expect(sentRequests(gateway.sandbox)).toEqual([
      { method: 'POST', path: CREATE_PATH, body: SENT_BODY },
      { method: 'POST', path: CREATE_PATH, body: SENT_BODY },
    ]);
    expect(gateway.sandbox.state.listConfigs()).toHaveLength(1);
    expectOneFailureLogged({
      endpoint: 'create-event',
      reason: 'rejected',
      upstream: { status: 200, responseCode: 1 },
    });
  });

  it('RATE_LIMITED: 429 with an HTTP-date Retry-After becomes whole seconds from now', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: { kind: 'respond', status: 429, headers: { 'retry-after': inAMinute } },
    });
    const response = await gateway.gql(CREATE, { input: INPUT });
    const retryAfter = response.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(61);
    expect(response.errors?.[0]?.extensions).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      upstream: { status: 429 },
      retryAfter,
    });
  });

  it('UPSTREAM_UNAVAILABLE: a reset after the upstream processed a create is still reported, and not resent', async () => {
    gateway.sandbox.faults.inject({ path: CREATE_PATH, action: { kind: 'reset-after-processing' } });
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response).toEqual(createFailed(UNAVAILABLE, { code: 'UPSTREAM_UNAVAILABLE', retryable: true }));
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
    expect(gateway.sandbox.state.listConfigs()).toHaveLength(1);
  });

  it('UPSTREAM_BAD_RESPONSE: a Get Event payload lacking a selected field fails that field (and the nullable parent)', async () => {
    gateway.sandbox.faults.inject({
      path: CONFIG_PATH,
      method: 'GET',
      action: jsonReply(
        200,
        envelopeBody(0, 'Success', {
          coinConfigId: 'WCC123456',
          configuration: 'DEFAULT',
          companyId: 'CEKEKCARDS',
          event: 'MEAL_CARD_PAYMENT',
        }),
      ),
    });
    const response = await gateway.gql(GET, { id: 'WCC123456' });
    expect(response).toEqual({
      data: { coinEvent: null },
      errors: [
        {
          message: 'The coins API did not return amount for coin configuration WCC123456.',
          locations: [{ line: 1, column: GET.indexOf('amount') + 1 }],
          path: ['coinEvent', 'amount'],
          extensions: { code: 'UPSTREAM_BAD_RESPONSE', retryable: false },
        },
      ],
    });
    // The missing field is not fetched again: one Get Event per id per operation.
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}WCC123456`]);
  });

  // [what, query, field, route the fault matches (no query string), path sent, payload]
  it.each([
    ['a balance', BALANCE, 'coinBalance', BALANCE_PATH, balancePath('EKQZVMQK'), 2_147_483_648],
    ['a balance', BALANCE, 'coinBalance', BALANCE_PATH, balancePath('EKQZVMQK'), -2_147_483_649],
    [
      "a configuration's amount",
      '{ coinEvent(coinConfigId: "WCC123456") { amount } }',
      'coinEvent',
      `${CONFIG_PATH}WCC123456`,
      `${CONFIG_PATH}WCC123456`,
      { coinConfigId: 'WCC123456', amount: 2_147_483_648 },
    ],
  ])(
    "UPSTREAM_BAD_RESPONSE: %s beyond GraphQL's Int (32 bits) is a bad response, not an error without a code",
    async (_what, query, field, route, path, payload) => {
      gateway.sandbox.faults.inject({
        path: route,
        method: 'GET',
        action: jsonReply(200, envelopeBody(0, 'Success', payload)),
      });
      const response = await gateway.gql(query);
      expect(response).toEqual({
        data: { [field]: null },
        errors: [
          fieldError(
            [field],
            BAD_RESPONSE,
            { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200, responseCode: 0 } },
            3,
          ),
        ],
      });
      expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${path}`]);
      expect(failureLines(gateway, logStart)).toEqual([
        expect.objectContaining({
          reason: 'bad-response',
          path,
          upstream: { status: 200, responseCode: 0 },
          detail: expect.stringMatching(/^payload does not match the documented shape: /),
        }),
      ]);
    },
  );

  it('an upstream failure writes exactly one log line (warn or above), structured, without the token', async () => {
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(403, envelopeBody(403, 'Forbidden')),
    });
    const response = await gateway.gql(CREATE, { input: INPUT }, { 'x-request-id': 'req-403' });
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const lines = gateway.logs.slice(logStart).filter((line) => (line.level as number) >= 40);
    expect(lines).toEqual([
      {
        level: 40,
        time: expect.any(Number),
        service: 'coins-gateway',
        requestId: 'req-403',
        event: 'upstream_call_failed',
        endpoint: 'create-event',
        method: 'POST',
        path: CREATE_PATH,
        attempts: 1,
        durationMs: expect.any(Number),
        reason: 'http-status',
        upstream: { status: 403, responseCode: 403, responseMessage: 'Forbidden' },
        upstreamMessage: 'Forbidden',
        detail: 'HTTP 403',
        msg: 'upstream call failed',
      },
    ]);
    expect(gateway.logText()).not.toContain('test-token-123');
  });

  it("a failing nullable field keeps its siblings' data", async () => {
    const created = gateway.sandbox.state.createConfig({ ...INPUT, configuration: 'DEFAULT' });
    if (!created.ok) throw new Error('sandbox refused the configuration');
    const good = created.config;
    gateway.sandbox.faults.inject({
      path: `${CONFIG_PATH}WCC999999`,
      action: { kind: 'respond', status: 503, headers: { 'content-type': 'text/html' }, body: HTML_502 },
    });
    const query = `query Two($good: ID!, $bad: ID!) { ok: coinEvent(coinConfigId: $good) { coinConfigId amount } broken: coinEvent(coinConfigId: $bad) { coinConfigId amount } }`;
    const response = await gateway.gql(query, { good: good.coinConfigId, bad: 'WCC999999' });
    expect(response).toEqual({
      data: { ok: { coinConfigId: good.coinConfigId, amount: 6 }, broken: null },
      errors: [
        {
          message: 'The coins API is unavailable (HTTP 503).',
          locations: [{ line: 1, column: query.indexOf('broken:') + 1 }],
          path: ['broken'],
          extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 503 } },
        },
      ],
    });
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual(
      [`GET ${CONFIG_PATH}${good.coinConfigId}`, `GET ${CONFIG_PATH}WCC999999`].sort(),
    );
    expectOneFailureLogged({ endpoint: 'get-event', path: `${CONFIG_PATH}WCC999999`, upstream: { status: 503 } });
  });
});

describe('UPSTREAM_TIMEOUT (COINS_API_TIMEOUT_MS=300)', () => {
  const gateway = useTestGateway({ ...RAW_MAPPING, COINS_API_TIMEOUT_MS: '300' });

  it('an answer delayed past the deadline', async () => {
    gateway.sandbox.faults.inject({ path: CREATE_PATH, action: { kind: 'delay', ms: 1_500 } });
    const started = Date.now();
    const response = await gateway.gql(CREATE, { input: INPUT });
    const elapsed = Date.now() - started;
    expect(response).toEqual(createFailed(TIMEOUT, { code: 'UPSTREAM_TIMEOUT', retryable: true }));
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_400);
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
    expectNothingLeaks(response, gateway.sandbox.url);
    const lines = gateway.logs.filter((line) => line.event === 'upstream_call_failed' && line.reason === 'timeout');
    expect(lines.length).toBeGreaterThanOrEqual(1);
  });

  it('an upstream that never answers', async () => {
    gateway.sandbox.faults.inject({ path: CONFIG_PATH, action: { kind: 'hang' } });
    const response = await gateway.gql(GET, { id: 'WCC123456' });
    expect(response).toEqual(getFailed(TIMEOUT, { code: 'UPSTREAM_TIMEOUT', retryable: true }));
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}WCC123456`]);
  });

  it('a timeout does not break the next call', async () => {
    gateway.sandbox.faults.inject({ path: CONFIG_PATH, action: { kind: 'hang' } });
    await gateway.gql(GET, { id: 'WCC123456' });
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response.errors).toBeUndefined();
  });
});

describe('UPSTREAM_UNAVAILABLE: connection refused', () => {
  let gateway: TestGateway;
  let deadUrl: string;
  beforeAll(async () => {
    deadUrl = await closedPortUrl();
    gateway = await startTestGateway(RAW_MAPPING, { upstreamUrl: deadUrl });
  });
  afterAll(() => gateway.close());

  it('answers UPSTREAM_UNAVAILABLE without the address, and logs the failure', async () => {
    const before = gateway.logs.length;
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response).toEqual(createFailed(UNAVAILABLE, { code: 'UPSTREAM_UNAVAILABLE', retryable: true }));
    expectNothingLeaks(response, deadUrl);
    const lines = failureLines(gateway, before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: 'upstream_call_failed',
      reason: 'connection',
      detail: 'ECONNREFUSED',
      attempts: 1,
    });
    expect(gateway.logText()).not.toContain('test-token-123');
  });
});

describe('UPSTREAM_BAD_RESPONSE: an upstream that does not speak HTTP', () => {
  let gateway: TestGateway;
  let garbage: Server;
  let garbageUrl: string;
  beforeAll(async () => {
    garbage = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
    });
    garbageUrl = await listenOnLoopback(garbage);
    gateway = await startTestGateway(RAW_MAPPING, { upstreamUrl: garbageUrl });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise<void>((resolve) => garbage.close(() => resolve()));
  });

  it('is a bad response, not a masked internal error', async () => {
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response).toEqual(createFailed(BAD_RESPONSE, { code: 'UPSTREAM_BAD_RESPONSE', retryable: false }));
    expectNothingLeaks(response, garbageUrl);
  });
});

describe('UPSTREAM_BAD_RESPONSE: a body over COINS_API_MAX_BODY_BYTES', () => {
  const gateway = useTestGateway({ ...RAW_MAPPING, COINS_API_MAX_BODY_BYTES: '1024' });

  it('a normal answer under the cap still works', async () => {
    const response = await gateway.gql(CREATE, { input: INPUT });
    expect(response.errors).toBeUndefined();
  });

  it('is cut off and reported, never buffered whole', async () => {
    const payload = {
      coinConfigId: 'WCC817428',
      configuration: 'DEFAULT',
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      amount: 6,
      filler: 'x'.repeat(4096),
    };
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(200, envelopeBody(0, 'Success', payload)),
    });
    const before = gateway.logs.length;
    const response = await gateway.gql(CREATE, { input: INPUT });
    // The status line arrived before the body ran over: it is reported, the body is not.
    expect(response).toEqual(
      createFailed(BAD_RESPONSE, { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200 } }),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
    const lines = failureLines(gateway, before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reason: 'bad-response' });
  });
});

describe('INTERNAL_SERVER_ERROR: anything unexpected is masked', () => {
  // The real coins client classifies every upstream outcome, so the unexpected is contrived here:
  // a coins client with a bug, behind the real gateway and HTTP server.
  let listening: ListeningServer;
  let logText = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logText += chunk.toString('utf8');
        done();
      },
    });
    const bug = () =>
      Promise.reject(new TypeError(`Cannot read properties of undefined (token ${AUTH} at http://127.0.0.1:9/x)`));
    const coins: CoinsClient = {
      createCoinConfig: bug,
      getCoinConfig: bug,
      updateCoinConfig: bug,
      allocateCoins: bug,
      // A value graphql-js cannot serialize (Int is 32 bits): its error has no code of its own.
      getBalance: () => Promise.resolve(3_000_000_000),
    };
    const logger = createLogger('info', sink);
    listening = await listen(createForwardingGateway(coins, logger), 0, '127.0.0.1');
  });
  afterAll(async () => {
    listening.server.closeAllConnections();
    await new Promise<void>((resolve) => listening.server.close(() => resolve()));
  });

  it('the client sees a generic message and code; the log has the details', async () => {
    const res = await fetch(`${listening.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: AUTH, 'x-request-id': 'bug-report-1' },
      body: JSON.stringify({ query: CREATE, variables: { input: INPUT } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bug-report-1');
    const response = (await res.json()) as GraphQLResponse;
    expect(response).toEqual(createFailed('Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' }));
    expectNothingLeaks(response, 'http://127.0.0.1:9');
    expect(JSON.stringify(response)).not.toContain('TypeError');
    const unexpected = logText
      .split('\n')
      .filter((line) => line.includes('"event":"unexpected_error"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(unexpected).toHaveLength(1);
    expect(unexpected[0]).toMatchObject({ requestId: 'bug-report-1', path: ['createCoinEvent'] });
    expect(logText).toContain('Cannot read properties of undefined');
  });

  it("graphql-js's own execution errors (a value it cannot serialize) are masked too, never sent without a code", async () => {
    const res = await fetch(`${listening.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: AUTH, 'x-request-id': 'bug-report-2' },
      body: JSON.stringify({ query: '{ coinBalance(userId: "EKQZVMQK") { coins } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { coinBalance: null },
      errors: [fieldError(['coinBalance', 'coins'], 'Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' }, 37)],
    });
    const unexpected = logText
      .split('\n')
      .filter((line) => line.includes('"requestId":"bug-report-2"') && line.includes('"event":"unexpected_error"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(unexpected).toHaveLength(1);
    expect(unexpected[0]).toMatchObject({ path: ['coinBalance', 'coins'] });
    expect(JSON.stringify(unexpected[0])).toContain('Int cannot represent non 32-bit signed integer value: 3000000000');
  });

  it('stays masked with NODE_ENV=development (where yoga would add the original error and its stack)', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    try {
      const res = await fetch(`${listening.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: AUTH },
        body: JSON.stringify({ query: CREATE, variables: { input: INPUT } }),
      });
      const response = (await res.json()) as GraphQLResponse;
      expect(response).toEqual(createFailed('Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' }));
      expectNothingLeaks(response, 'http://127.0.0.1:9');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
