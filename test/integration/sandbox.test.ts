import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import {
  ALLOCATE_PATH,
  BALANCE_PATH,
  CONFIG_PATH,
  CREATE_PATH,
  OAUTH_TOKEN_PATH,
  balancePath,
} from '../helpers/upstream-paths.js';

let sandbox: SandboxServer;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

const AUTH = { authorization: 'Bearer test-token' };

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json: unknown;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
  target: SandboxServer = sandbox,
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(target.url + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

/** An error as the coins API answers it: the HTTP status, and an envelope with that code, the message and no payload. */
function expectHttpError(answer: Answer, status: number, message: string): void {
  expect(answer.status).toBe(status);
  expect(answer.json).toEqual({ payload: null, response_code: status, response_message: message });
}

/** The envelope of an answered call: response_code 0, 'Success', and the payload. */
const success = (payload: unknown) => ({ payload, response_code: 0, response_message: 'Success' });
/** The envelope of a business rejection: HTTP 200, response_code 1, the message also as payload. */
const rejection = (message: string) => ({ payload: message, response_code: 1, response_message: message });

const MEAL = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };
const ALLOCATION = { companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', requestId: 'COIN_REQ1', userId: 'EKQZVMQK' };

async function createMeal(): Promise<string> {
  const answer = await call('POST', CREATE_PATH, MEAL);
  return (answer.json as { payload: { coinConfigId: string } }).payload.coinConfigId;
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function tokenRequest(
  overrides: Record<string, string> = {},
  authorization = basic('sandbox-client', 'sandbox-secret'),
) {
  const form = new URLSearchParams({
    username: 'sandbox-user',
    password: 'sandbox-password',
    grant_type: 'password',
    clientId: 'sandbox-client',
    ...overrides,
  });
  return call('POST', OAUTH_TOKEN_PATH, form.toString(), {
    authorization,
    'content-type': 'application/x-www-form-urlencoded',
  });
}

describe('auth on coins routes', () => {
  it.each([
    ['missing', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['basic scheme', { authorization: 'Basic abc' }],
  ])('answers 401 with the envelope when the bearer token is %s', async (_name, headers) => {
    const answer = await call('GET', balancePath('U1'), undefined, headers);
    expectHttpError(answer, 401, 'Unauthorized');
    expect(answer.contentType).toBe('application/json');
  });

  it('accepts any non-empty bearer token, case-insensitively', async () => {
    const answer = await call('GET', balancePath('U1'), undefined, { authorization: 'bearer whatever' });
    expect(answer.status).toBe(200);
  });
});

describe('create coin configuration', () => {
  it('creates a configuration and answers the documented payload', async () => {
    const answer = await call('POST', CREATE_PATH, MEAL);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/json');
    const id = (answer.json as { payload: { coinConfigId: string } }).payload.coinConfigId;
    expect(id).toMatch(/^WCC\d{6}$/);
    expect(answer.json).toEqual(success({ coinConfigId: id, ...MEAL }));
    expect(sandbox.state.getConfig(id)).toEqual({ coinConfigId: id, ...MEAL });
  });

  it('answers response_code 1 for a duplicate (companyId, event)', async () => {
    await createMeal();
    const answer = await call('POST', CREATE_PATH, { ...MEAL, configuration: 'CUSTOM', amount: 9 });
    const message = 'Coin configuration already exists for this company and event';
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(rejection(message));
    expect(sandbox.state.listConfigs()).toHaveLength(1);
  });

  it.each([
    ['invalid JSON', '{"configuration":', 'Malformed JSON request body'],
    ['a JSON array', '[]', 'Request body must be a JSON object'],
    [
      'a missing amount',
      { configuration: 'DEFAULT', companyId: 'C', event: 'E' },
      'Missing mandatory parameter: amount',
    ],
    ['an empty companyId', { ...MEAL, companyId: '' }, 'Missing mandatory parameter: companyId'],
  ])('answers 400 for %s', async (_name, body, message) => {
    const answer = await call('POST', CREATE_PATH, body);
    expectHttpError(answer, 400, message);
  });

  it.each([
    [
      'an unknown configuration',
      { ...MEAL, configuration: 'OTHER' },
      'Invalid parameter: configuration must be one of DEFAULT, CUSTOM',
    ],
    ['a string amount', { ...MEAL, amount: '6' }, 'Invalid parameter: amount must be a positive integer'],
    ['a fractional amount', { ...MEAL, amount: 1.5 }, 'Invalid parameter: amount must be a positive integer'],
    ['a zero amount', { ...MEAL, amount: 0 }, 'Invalid parameter: amount must be a positive integer'],
    ['a numeric event', { ...MEAL, event: 7 }, 'Invalid parameter: event must be a string'],
  ])('answers 422 for %s', async (_name, body, message) => {
    const answer = await call('POST', CREATE_PATH, body);
    expectHttpError(answer, 422, message);
  });
});

describe('get coin configuration', () => {
  it('answers the full payload', async () => {
    const id = await createMeal();
    const answer = await call('GET', `${CONFIG_PATH}${id}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(success({ coinConfigId: id, ...MEAL }));
  });

  it('answers 404 for an unknown coinConfigId (URL-decoded)', async () => {
    const answer = await call('GET', `${CONFIG_PATH}WCC%20000000`);
    expectHttpError(answer, 404, 'Coin configuration not found');
  });
});

describe('update coin configuration', () => {
  it('answers the payload without companyId, like the documented example', async () => {
    const id = await createMeal();
    const answer = await call('PATCH', `${CONFIG_PATH}${id}`, { amount: 10, configuration: 'CUSTOM' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(
      success({ coinConfigId: id, configuration: 'CUSTOM', event: 'MEAL_CARD_PAYMENT', amount: 10 }),
    );
    expect(sandbox.state.getConfig(id)?.amount).toBe(10);
  });

  it('answers 404 for an unknown coinConfigId', async () => {
    const answer = await call('PATCH', `${CONFIG_PATH}WCC999999x`, { amount: 1 });
    expectHttpError(answer, 404, 'Coin configuration not found');
  });

  it('answers 400 for an empty object and invalid JSON, 422 for a bad value', async () => {
    const id = await createMeal();
    const empty = await call('PATCH', `${CONFIG_PATH}${id}`, {});
    expectHttpError(empty, 400, 'At least one of configuration, companyId, event, amount is required');
    const bad = await call('PATCH', `${CONFIG_PATH}${id}`, 'nope');
    expectHttpError(bad, 400, 'Malformed JSON request body');
    const invalid = await call('PATCH', `${CONFIG_PATH}${id}`, { amount: -1 });
    expectHttpError(invalid, 422, 'Invalid parameter: amount must be a positive integer');
  });

  it("answers response_code 1 when moving onto another configuration's (companyId, event)", async () => {
    const id = await createMeal();
    await call('POST', CREATE_PATH, { ...MEAL, event: 'INVOICE_PAYMENT' });
    const answer = await call('PATCH', `${CONFIG_PATH}${id}`, { event: 'INVOICE_PAYMENT' });
    const message = 'Coin configuration already exists for this company and event';
    expect(answer.json).toEqual(rejection(message));
    expect(sandbox.state.getConfig(id)?.event).toBe('MEAL_CARD_PAYMENT');
  });
});

describe('allocate coins and balance', () => {
  const allocated = success('Successfully allocated enkash Coins');

  it('credits the configured amount once per requestId', async () => {
    await createMeal();
    const first = await call('POST', ALLOCATE_PATH, ALLOCATION);
    const replay = await call('POST', ALLOCATE_PATH, ALLOCATION);
    expect(first.status).toBe(200);
    expect(first.json).toEqual(allocated);
    expect(replay.json).toEqual(allocated);
    expect(sandbox.state.balanceOf('EKQZVMQK')).toBe(6);
    expect(sandbox.state.ledger).toEqual([
      {
        requestId: 'COIN_REQ1',
        companyId: 'CEKEKCARDS',
        event: 'MEAL_CARD_PAYMENT',
        userId: 'EKQZVMQK',
        coins: 6,
        at: expect.any(String),
      },
    ]);
    const balance = await call('GET', balancePath('EKQZVMQK'));
    expect(balance.status).toBe(200);
    expect(balance.text).toBe('{"response_code":0,"response_message":"Success","payload":6}');
  });

  it('refuses a requestId reused for a different allocation', async () => {
    await createMeal();
    await call('POST', ALLOCATE_PATH, ALLOCATION);
    const answer = await call('POST', ALLOCATE_PATH, { ...ALLOCATION, userId: 'OTHER' });
    const message = 'requestId already used for a different allocation';
    expect(answer.json).toEqual(rejection(message));
    expect(sandbox.state.totalCredited()).toBe(6);
  });

  it('answers response_code 1 for an unconfigured event', async () => {
    const answer = await call('POST', ALLOCATE_PATH, ALLOCATION);
    const message = 'Event not configured for this company';
    expect(answer.json).toEqual(rejection(message));
    expect(sandbox.state.ledger).toEqual([]);
  });

  it('answers 400 for a missing field', async () => {
    const { userId: _omitted, ...withoutUser } = ALLOCATION;
    const answer = await call('POST', ALLOCATE_PATH, withoutUser);
    expectHttpError(answer, 400, 'Missing mandatory parameter: userId');
  });

  it('answers balance 0 for an unknown user and 400 without userId', async () => {
    const unknown = await call('GET', balancePath('NOBODY'));
    expect(unknown.json).toEqual(success(0));
    for (const path of [BALANCE_PATH, `${BALANCE_PATH}?userId=`]) {
      const missing = await call('GET', path);
      expectHttpError(missing, 400, 'Missing mandatory parameter: userId');
    }
  });
});

describe('routing and robustness', () => {
  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    const unknown = await call('GET', '/api/v0/nothing');
    expectHttpError(unknown, 404, 'Not found');
    const wrong = await call('GET', ALLOCATE_PATH);
    expectHttpError(wrong, 405, 'Method not allowed');
  });

  it('answers 413 for a body over 1 MiB and keeps serving', async () => {
    const answer = await call('POST', CREATE_PATH, 'x'.repeat(1024 * 1024 + 1));
    expectHttpError(answer, 413, 'Request body too large');
    expect((await call('GET', balancePath('U'))).status).toBe(200);
  });

  it('records every API request with path, query, lower-cased headers and body', async () => {
    await call('POST', ALLOCATE_PATH, ALLOCATION, { ...AUTH, 'X-Trace': 'abc' });
    await call('GET', balancePath('EKQZVMQK'));
    await call('GET', '/__sandbox/state', undefined, {});
    expect(sandbox.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', ALLOCATE_PATH, JSON.stringify(ALLOCATION)],
      ['GET', balancePath('EKQZVMQK'), ''],
    ]);
    expect(sandbox.requests[0]?.headers['x-trace']).toBe('abc');
    expect(sandbox.requests[0]?.headers.authorization).toBe('Bearer test-token');
  });
});

describe('oauth token', () => {
  it('issues a token for the right credentials', async () => {
    const answer = await tokenRequest();
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      refresh_token: expect.any(String),
      expires_in: 300,
      scope: 'read write trust',
    });
  });

  it('answers 400 invalid_request for a wrong grant_type or a missing field', async () => {
    const grant = await tokenRequest({ grant_type: 'client_credentials' });
    expect(grant.status).toBe(400);
    expect(grant.json).toEqual({ error: 'invalid_request' });
    const missing = await tokenRequest({ username: '' });
    expect(missing.json).toEqual({ error: 'invalid_request' });
  });

  it('locks the account after 3 consecutive bad logins, correct ones included', async () => {
    const bad = { error: 'invalid_grant', error_description: 'Bad credentials' };
    const locked = { error: 'account_locked', error_description: 'Account locked after 3 failed logins' };
    expect((await tokenRequest({ password: 'wrong' })).json).toEqual(bad);
    expect((await tokenRequest({}, basic('sandbox-client', 'wrong'))).json).toEqual(bad);
    const third = await tokenRequest({ username: 'someone' });
    expect(third.status).toBe(401);
    expect(third.json).toEqual(bad);
    const after = await tokenRequest();
    expect(after.status).toBe(401);
    expect(after.json).toEqual(locked);
  });

  it('resets the failure counter on success', async () => {
    await tokenRequest({ password: 'wrong' });
    await tokenRequest({ password: 'wrong' });
    expect((await tokenRequest()).status).toBe(200);
    await tokenRequest({ password: 'wrong' });
    await tokenRequest({ password: 'wrong' });
    expect((await tokenRequest()).status).toBe(200);
  });

  it('honours custom client credentials and ttl', async () => {
    const custom = await startSandbox({
      oauthClient: { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
      tokenTtlSeconds: 86399,
    });
    try {
      const form = new URLSearchParams({ username: 'u', password: 'p', grant_type: 'password', clientId: 'c' });
      const answer = await call('POST', OAUTH_TOKEN_PATH, form.toString(), { authorization: basic('c', 's') }, custom);
      expect((answer.json as { expires_in: number }).expires_in).toBe(86399);
    } finally {
      await custom.close();
    }
  });
});

describe('fault injection', () => {
  it('respond: answers the given status, headers and body instead of processing', async () => {
    await createMeal();
    sandbox.faults.inject({
      action: {
        kind: 'respond',
        status: 502,
        body: '<html>Bad gateway</html>',
        headers: { 'content-type': 'text/html' },
      },
      path: ALLOCATE_PATH,
    });
    const answer = await call('POST', ALLOCATE_PATH, ALLOCATION);
    expect(answer).toEqual({
      status: 502,
      contentType: 'text/html',
      text: '<html>Bad gateway</html>',
      json: undefined,
    });
    expect(sandbox.state.ledger).toEqual([]);
    expect(sandbox.requests).toHaveLength(2);
    expect(sandbox.faults.injected).toBe(1);
    // times defaults to 1
    expect((await call('POST', ALLOCATE_PATH, ALLOCATION)).status).toBe(200);
  });

  it('delay: waits, then processes normally', async () => {
    sandbox.faults.inject({ action: { kind: 'delay', ms: 150 } });
    const started = performance.now();
    const answer = await call('GET', balancePath('U'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.json).toEqual(success(0));
  });

  it('reset: drops the connection without processing', async () => {
    await createMeal();
    sandbox.faults.inject({ action: { kind: 'reset' }, method: 'post', path: ALLOCATE_PATH });
    await expect(call('POST', ALLOCATE_PATH, ALLOCATION)).rejects.toThrow();
    expect(sandbox.state.totalCredited()).toBe(0);
    expect(sandbox.requests.at(-1)?.path).toBe(ALLOCATE_PATH);
  });

  it('reset-after-processing: credits the coins but drops the answer', async () => {
    await createMeal();
    sandbox.faults.inject({ action: { kind: 'reset-after-processing' }, path: ALLOCATE_PATH });
    await expect(call('POST', ALLOCATE_PATH, ALLOCATION)).rejects.toThrow();
    expect(sandbox.state.balanceOf('EKQZVMQK')).toBe(6);
    // The client's retry with the same requestId is answered as a success without a second credit.
    expect((await call('POST', ALLOCATE_PATH, ALLOCATION)).json).toMatchObject({ response_code: 0 });
    expect(sandbox.state.balanceOf('EKQZVMQK')).toBe(6);
  });

  it('hang: never answers until the sandbox closes', async () => {
    const own = await startSandbox();
    own.faults.inject({ action: { kind: 'hang' } });
    const pending = call('GET', balancePath('U'), undefined, AUTH, own);
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    while (own.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const raced = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('pending'), 50))]);
    expect(raced).toBe('pending');
    await own.close();
    expect(await outcome).toBe('failed');
  });

  it('times, method/path filters, Infinity and probability', async () => {
    sandbox.faults.inject({
      action: { kind: 'respond', status: 503 },
      method: 'GET',
      path: '/api/v0/coins/',
      times: 2,
    });
    expect((await call('POST', ALLOCATE_PATH, ALLOCATION)).status).toBe(200);
    expect((await call('GET', balancePath('U'))).status).toBe(503);
    expect((await call('GET', balancePath('U'))).status).toBe(503);
    expect((await call('GET', balancePath('U'))).status).toBe(200);
    expect(sandbox.faults.injected).toBe(2);

    sandbox.faults.clear();
    sandbox.faults.inject({ action: { kind: 'respond', status: 500 }, probability: 0, times: Infinity });
    sandbox.faults.inject({ action: { kind: 'respond', status: 429 }, times: Infinity });
    for (let i = 0; i < 3; i++) expect((await call('GET', balancePath('U'))).status).toBe(429);
    expect(sandbox.faults.injected).toBe(3);
  });

  it('never applies to admin routes', async () => {
    sandbox.faults.inject({ action: { kind: 'reset' }, times: Infinity });
    const state = await call('GET', '/__sandbox/state', undefined, {});
    expect(state.status).toBe(200);
    expect(sandbox.faults.injected).toBe(0);
  });
});

describe('admin HTTP routes', () => {
  it('injects and clears faults, lists requests, exposes state and resets', async () => {
    const injected = await call(
      'POST',
      '/__sandbox/faults',
      { action: { kind: 'respond', status: 503, body: 'down' }, times: null },
      {},
    );
    expect(injected.status).toBe(204);
    expect((await call('GET', balancePath('U'))).text).toBe('down');
    expect((await call('GET', balancePath('U'))).status).toBe(200);

    await call('POST', '/__sandbox/faults', { action: { kind: 'respond', status: 503 }, times: 'Infinity' }, {});
    expect((await call('DELETE', '/__sandbox/faults', undefined, {})).status).toBe(204);
    expect((await call('GET', balancePath('U'))).status).toBe(200);

    const invalid = await call('POST', '/__sandbox/faults', { action: { kind: 'explode' } }, {});
    expect(invalid.status).toBe(400);

    const id = await createMeal();
    await call('POST', ALLOCATE_PATH, ALLOCATION);
    const requests = await call('GET', '/__sandbox/requests', undefined, {});
    expect((requests.json as Array<{ path: string }>).map((r) => r.path)).toEqual([
      balancePath('U'),
      balancePath('U'),
      balancePath('U'),
      CREATE_PATH,
      ALLOCATE_PATH,
    ]);

    const state = await call('GET', '/__sandbox/state', undefined, {});
    expect(state.json).toEqual({
      configs: [{ coinConfigId: id, ...MEAL }],
      balances: { EKQZVMQK: 6 },
      ledger: [{ ...ALLOCATION, coins: 6, at: expect.any(String) }],
      totalCredited: 6,
      faultsInjected: 0,
      failedLogins: 0,
      locked: false,
      tokensIssued: 0,
      tokenRequests: { password: 0, refresh_token: 0, other: 0 },
    });

    expect((await call('POST', '/__sandbox/reset', undefined, {})).status).toBe(204);
    expect(sandbox.requests).toEqual([]);
    expect(sandbox.state.listConfigs()).toEqual([]);
    expect(sandbox.state.balanceOf('EKQZVMQK')).toBe(0);
  });
});

describe("npm start's sandbox (seeded with the docs' example)", () => {
  it("a reset goes back to the start: the docs' example configuration is there again, the rest is gone", async () => {
    const seeded = await startSandbox({ seedDocumentedExamples: true });
    try {
      const example = `${CONFIG_PATH}WCC817428`;
      // Changed, and joined by one more configuration and an allocation, before the reset.
      expect((await call('PATCH', example, { amount: 10 }, AUTH, seeded)).status).toBe(200);
      expect((await call('POST', CREATE_PATH, { ...MEAL, event: 'INVOICE_PAYMENT' }, AUTH, seeded)).status).toBe(200);
      expect((await call('POST', ALLOCATE_PATH, ALLOCATION, AUTH, seeded)).status).toBe(200);

      expect((await call('POST', '/__sandbox/reset', undefined, {}, seeded)).status).toBe(204);

      const afterReset = await call('GET', example, undefined, AUTH, seeded);
      expect(afterReset.json).toEqual(success({ coinConfigId: 'WCC817428', ...MEAL }));
      expect(seeded.state.listConfigs()).toEqual([{ coinConfigId: 'WCC817428', ...MEAL }]);
      expect(seeded.state.balanceOf('EKQZVMQK')).toBe(0);
      expect(seeded.requests.map((request) => request.method)).toEqual(['GET']);
    } finally {
      await seeded.close();
    }
  });
});
