import { describe, expect, it } from 'vitest';
import { AUTH, useTestGateway } from '../helpers/test-gateway.js';

// x-request-id is kept when 1-128 characters of A-Z a-z 0-9 . _ -, otherwise generated;
// echoed in the response, sent upstream, and present in every log line about the request. One
// access log line per operation, without variables, tokens or user ids.

const BALANCE = `query Balance($userId: ID!) { coinBalance(userId: $userId) { userId coins } }`;
const ALLOCATE = `mutation Allocate($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId } }`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const USER_ID = 'USER-SECRETIVE-42';

describe('request ids', () => {
  const gateway = useTestGateway();

  async function balanceWith(requestId: string | null) {
    const response = await gateway.post(
      { query: BALANCE, variables: { userId: USER_ID } },
      requestId === null ? {} : { 'x-request-id': requestId },
    );
    await response.json();
    return response.headers.get('x-request-id');
  }

  it.each([
    ['a UUID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['one character', 'a'],
    ['128 characters', 'A'.repeat(128)],
    ['all allowed characters', 'Az09._-'],
  ])('keeps %s: echoed in the response and sent upstream', async (_label, requestId) => {
    expect(await balanceWith(requestId)).toBe(requestId);
    expect(gateway.sandbox.requests.map((request) => request.headers['x-request-id'])).toEqual([requestId]);
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'A'.repeat(129)],
    ['a space', 'req 1'],
    ['a colon', 'req:1'],
    ['a slash', 'req/1'],
    ['non-ASCII', 'réq'],
    ['a log-injection attempt', 'x"},"level":60,"y":"'],
  ])('replaces one with %s by a generated UUID', async (_label, requestId) => {
    const echoed = await balanceWith(requestId);
    expect(echoed).toMatch(UUID);
    expect(gateway.sandbox.requests.map((request) => request.headers['x-request-id'])).toEqual([echoed]);
    expect(gateway.logText()).not.toContain(requestId === '' ? '"requestId":""' : requestId);
  });

  it('generates a fresh one for each request without one', async () => {
    const first = await balanceWith(null);
    const second = await balanceWith(null);
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
    expect(gateway.sandbox.requests.map((request) => request.headers['x-request-id'])).toEqual([first, second]);
  });

  it('every attempt of a retried call carries the same id', async () => {
    gateway.sandbox.faults.inject({ action: { kind: 'respond', status: 503, body: '' }, times: 2 });
    expect(await balanceWith('retried-call')).toBe('retried-call');
    expect(gateway.sandbox.requests.map((request) => request.headers['x-request-id'])).toEqual([
      'retried-call',
      'retried-call',
      'retried-call',
    ]);
  });

  it('is echoed on errors before execution too (a parse error)', async () => {
    const response = await gateway.post({ query: '{ coinEvent(' }, { 'x-request-id': 'parse-fail' });
    expect(response.status).toBe(400);
    await response.json();
    expect(response.headers.get('x-request-id')).toBe('parse-fail');
  });
});

describe('the access log and the request id in log lines', () => {
  const gateway = useTestGateway();

  function linesOf(requestId: string) {
    return gateway.logs.filter((line) => line.requestId === requestId);
  }

  it('one line per operation: id, type, name, duration, outcome, error codes, upstream calls', async () => {
    const before = gateway.logs.length;
    await gateway.post({ query: BALANCE, variables: { userId: USER_ID } }, { 'x-request-id': 'ok-1' });
    const operationLines = gateway.logs.slice(before).filter((line) => line.event === 'operation');
    expect(operationLines).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        service: 'coins-gateway',
        event: 'operation',
        requestId: 'ok-1',
        operationType: 'query',
        operationName: 'Balance',
        durationMs: expect.any(Number),
        outcome: 'success',
        errorCodes: [],
        httpStatus: 200,
        upstreamAttempts: 1,
        upstream: { 'get-balance 200 success': 1 },
        msg: 'operation',
      },
    ]);
    expect(operationLines[0]!.durationMs).toBeGreaterThan(0);
  });

  it('a failing operation: its error codes, each upstream attempt, and the failure line carry the same id', async () => {
    gateway.sandbox.faults.inject({ action: { kind: 'respond', status: 503, body: '' }, times: 3 });
    const response = await gateway.post(
      { query: BALANCE, variables: { userId: USER_ID } },
      { 'x-request-id': 'fail-1' },
    );
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    const lines = linesOf('fail-1');
    expect(lines.map((line) => line.event)).toEqual(['upstream_call_failed', 'operation']);
    expect(lines[1]).toMatchObject({
      operationType: 'query',
      operationName: 'Balance',
      outcome: 'error',
      errorCodes: ['UPSTREAM_UNAVAILABLE'],
      upstreamAttempts: 3,
      upstream: { 'get-balance 503 http-status': 3 },
    });
  });

  it('a batch: one line per operation, each with its own name, outcome, error codes and upstream calls', async () => {
    gateway.sandbox.faults.inject({
      action: { kind: 'respond', status: 503, body: '' },
      path: '/api/v0/enkash-coins/',
      times: 3,
    });
    const response = await gateway.post(
      [
        { query: BALANCE, variables: { userId: USER_ID } },
        { query: 'query Event { coinEvent(coinConfigId: "WCC000001") { amount } }' },
        { query: 'query Broken { nope }' },
      ],
      { 'x-request-id': 'batch-1' },
    );
    expect(response.status).toBe(200);
    const lines = linesOf('batch-1').filter((line) => line.event === 'operation');
    const summary = lines.map(({ batchIndex, operationName, outcome, errorCodes, upstreamAttempts, upstream }) => ({
      batchIndex,
      operationName,
      outcome,
      errorCodes,
      upstreamAttempts,
      upstream,
    }));
    expect(summary).toEqual([
      {
        batchIndex: 0,
        operationName: 'Balance',
        outcome: 'success',
        errorCodes: [],
        upstreamAttempts: 1,
        upstream: { 'get-balance 200 success': 1 },
      },
      {
        batchIndex: 1,
        operationName: 'Event',
        outcome: 'error',
        errorCodes: ['UPSTREAM_UNAVAILABLE'],
        upstreamAttempts: 3,
        upstream: { 'get-event 503 http-status': 3 },
      },
      {
        batchIndex: 2,
        operationName: 'Broken',
        outcome: 'error',
        errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
        upstreamAttempts: 0,
        upstream: {},
      },
    ]);
  });

  it('a batch refused whole (over GRAPHQL_BATCH_LIMIT) is one line with its error, not a line per entry', async () => {
    const size = 11;
    const status = 413;
    const response = await gateway.post(
      Array.from({ length: size }, () => ({ query: 'query Each { __typename }' })),
      { 'x-request-id': `refused-${size}` },
    );
    expect(response.status).toBe(status);
    const { errors } = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    const lines = linesOf(`refused-${size}`).filter((line) => line.event === 'operation');
    expect(lines).toEqual([
      expect.objectContaining({
        operationType: 'unknown',
        operationName: null,
        outcome: 'error',
        errorCodes: ['BAD_REQUEST'],
        httpStatus: status,
        upstreamAttempts: 0,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('batchIndex');
  });

  it('never logs variables, user ids or tokens', async () => {
    const input = {
      companyId: 'COMPANY-PRIVATE',
      event: 'EVENT_PRIVATE',
      userId: USER_ID,
      requestId: 'alloc-private-1',
    };
    await gateway.post({ query: ALLOCATE, variables: { input } }, { 'x-request-id': 'alloc-1' });
    const line = linesOf('alloc-1').find((entry) => entry.event === 'operation');
    expect(line).toMatchObject({ operationType: 'mutation', operationName: 'Allocate', upstreamAttempts: 1 });
    const text = JSON.stringify(linesOf('alloc-1'));
    for (const secret of [USER_ID, 'COMPANY-PRIVATE', 'EVENT_PRIVATE', 'alloc-private-1', AUTH, 'test-token-123']) {
      expect(text).not.toContain(secret);
    }
    expect(gateway.logText()).not.toContain('test-token-123');
  });

  it('requests that are not GraphQL operations (/health, /ready) write no access log line', async () => {
    const before = gateway.logs.length;
    for (const path of ['/health', '/ready']) await (await fetch(`${gateway.url}${path}`)).arrayBuffer();
    expect(gateway.logs.slice(before)).toEqual([]);
  });
});
