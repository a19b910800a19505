import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../src/auth/caller-jwt.js';
import {
  createSigningKey,
  createWeakRsaKey,
  nowSeconds,
  refusingJwksUrl,
  signHs256,
  signWith,
  startJwksServer,
  type JwksServer,
} from '../helpers/jwks-server.js';
import { SANDBOX_SERVICE_CREDENTIALS, SERVICE_MODE_ENV, TEST_JWT_SECRET } from '../helpers/service-mode.js';
import { startTestGateway, useTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';

/** Caller authentication across modes: forwarding (none of it applies), GraphiQL's dev token, logs. */

const CREATE =
  'mutation($company: String!) { createCoinEvent(input: { configuration: DEFAULT, companyId: $company, event: "ANY_EVENT", amount: 3 }) { companyId } }';

/** The GraphiQL options yoga embeds in its page. */
async function graphiqlHeaders(url: string): Promise<Record<string, string> | undefined> {
  const html = await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } })).text();
  const start = html.indexOf('{"title":');
  const end = html.indexOf(',\n', html.indexOf('"shouldPersistHeaders"', start));
  const options = JSON.parse(html.slice(start, end)) as { headers?: string };
  return options.headers === undefined ? undefined : (JSON.parse(options.headers) as Record<string, string>);
}

describe('forwarding mode (no service credentials): no scopes, no tenants', () => {
  const gateway = useTestGateway();

  it('any bearer token acts for any company, and is what goes upstream', async () => {
    const answer = await gateway.gql(
      CREATE,
      { company: 'ANYCOMPANY' },
      { authorization: 'Bearer partner-enkash-token' },
    );
    expect(answer).toEqual({ data: { createCoinEvent: { companyId: 'ANYCOMPANY' } } });
    expect(gateway.sandbox.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer partner-enkash-token',
    ]);
  });

  it('a caller JWT is just a token to forward: its claims are not read', async () => {
    const jwt = await signHs256(TEST_JWT_SECRET, { companies: ['CEKEKCARDS'], scope: '', exp: nowSeconds() + 60 });
    const answer = await gateway.gql(CREATE, { company: 'OTHERCO' }, { authorization: `Bearer ${jwt}` });
    expect(answer).toEqual({ data: { createCoinEvent: { companyId: 'OTHERCO' } } });
  });
});

describe('service mode with AUTH_DISABLED=true', () => {
  const gateway = useTestGateway({ ...SANDBOX_SERVICE_CREDENTIALS, AUTH_DISABLED: 'true' });

  it('warns at start that anyone who can reach the gateway acts as the partner', () => {
    expect(gateway.logs.filter((line) => line.event === 'caller_auth_disabled')).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'AUTH_DISABLED=true: callers are not authenticated; anyone who can reach this gateway acts as the partner',
      }),
    ]);
  });

  it('any caller, even without Authorization, acts for any company with every scope', async () => {
    const answer = await gateway.gql(CREATE, { company: 'ANYCOMPANY' }, { authorization: null });
    expect(answer).toEqual({ data: { createCoinEvent: { companyId: 'ANYCOMPANY' } } });
    const balance = await gateway.gql('{ coinBalance(userId: "SOMEONE") { coins } }', {}, { authorization: null });
    expect(balance).toEqual({ data: { coinBalance: { coins: 0 } } });
  });
});

describe('GraphiQL in sandbox mode with AUTH_JWT_SECRET', () => {
  const gateway = useTestGateway(SERVICE_MODE_ENV);

  it('is pre-filled with a freshly minted development token that the gateway accepts', async () => {
    const headers = await graphiqlHeaders(gateway.url);
    expect(Object.keys(headers ?? {})).toEqual(['Authorization']);
    const authorization = headers?.Authorization ?? '';
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const caller = await createJwtVerifier(
      { key: { secret: new TextEncoder().encode(TEST_JWT_SECRET) } },
      { company: 'companies', user: 'sub' },
    )(authorization.slice(7));
    expect(caller).toEqual({
      kind: 'tenant',
      subject: 'EKQZVMQK',
      userId: 'EKQZVMQK',
      companies: new Set(['CEKEKCARDS']),
      scopes: new Set(['coins:read', 'coins:write', 'coins:allocate', 'coins:balances']),
    });
    // Built once per process, so the token must outlive a working session: 7 days.
    const [, payload = ''] = authorization.split('.');
    const { iat, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iat: number; exp: number };
    expect(exp - iat).toBe(7 * 24 * 3600);
    const answer = await gateway.gql(CREATE, { company: 'CEKEKCARDS' }, { authorization });
    expect(answer).toEqual({ data: { createCoinEvent: { companyId: 'CEKEKCARDS' } } });
  });
});

describe('caller JWTs never reach a log line or a response (LOG_LEVEL=trace)', () => {
  const gateway = useTestGateway({ ...SERVICE_MODE_ENV, LOG_LEVEL: 'trace' });

  it('valid, expired, forged and garbage tokens, on success and on every kind of error', async () => {
    const claims = { companies: ['CEKEKCARDS'], scope: 'coins:read coins:write', sub: 'EKQZVMQK' };
    const tokens = [
      await signHs256(TEST_JWT_SECRET, { ...claims, exp: nowSeconds() + 60 }),
      await signHs256(TEST_JWT_SECRET, { ...claims, exp: nowSeconds() - 60 }),
      await signHs256(`${TEST_JWT_SECRET}-forged`, { ...claims, exp: nowSeconds() + 60 }),
      'gArBaGe1hdr.gArBaGe2body.gArBaGe3sig',
    ];
    const responses: string[] = [];
    for (const token of tokens) {
      for (const [query, variables] of [
        [CREATE, { company: 'CEKEKCARDS' }],
        [CREATE, { company: 'OTHERCO' }],
        ['{ coinBalance(userId: "SOMEONE") { coins } }', {}],
        ['{ coinEvent(coinConfigId: "bad id!") { amount } }', {}],
        ['{ coinEvent(coinConfigId: "NOPE") { amount } }', {}],
        ['{ nope }', {}],
      ] as const) {
        const res = await gateway.post({ query, variables }, { authorization: `Bearer ${token}` });
        responses.push(await res.text());
      }
    }
    expect(gateway.logs.length).toBeGreaterThan(0);
    expect(gateway.logs.some((line) => (line.level as number) <= 20)).toBe(true);
    for (const token of tokens) {
      const [header, payload, signature] = token.split('.');
      for (const part of [token, payload, signature]) {
        expect(gateway.logText()).not.toContain(part);
        for (const response of responses) expect(response).not.toContain(part);
      }
      expect(header).toBeDefined();
    }
    // Something happened for real: the valid token's create reached the upstream.
    expect(upstreamCalls(gateway.sandbox)).toContain('POST /api/v0/enkash-coins/create-coins-config');
  });

  it('a refused token is logged (debug) with the requestId of the request it came with, and its reason', async () => {
    const expired = await signHs256(TEST_JWT_SECRET, {
      companies: ['CEKEKCARDS'],
      scope: 'coins:read',
      exp: nowSeconds() - 60,
    });
    const before = gateway.logs.length;
    const res = await gateway.post({ query: READ }, { authorization: `Bearer ${expired}` });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/\S/);
    expect(gateway.logs.slice(before).filter((line) => line.event === 'caller_token_refused')).toEqual([
      expect.objectContaining({ level: 20, requestId, component: 'caller-auth', reason: 'the token has expired' }),
    ]);
  });
});

const READ = '{ coinEvent(coinConfigId: "CFG1") { amount } }';

/**
 * A request with a token while the JWKS cannot be fetched: the caller gets UNAUTHENTICATED
 * "the signing keys could not be fetched" (nothing about why), no upstream call is made, and one
 * jwks_unavailable warning tells the operator why, never with the endpoint's address or the token.
 */
async function expectKeysUnavailable(gateway: TestGateway, why: Record<string, unknown>): Promise<void> {
  const token = await signWith(await createSigningKey('RS256', 'rsa-1'), {
    scope: 'coins:read',
    exp: nowSeconds() + 60,
  });
  const before = gateway.logs.length;
  const res = await gateway.post({ query: READ }, { authorization: `Bearer ${token}` });
  // A field error like any refusal: HTTP 200, the field null.
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    data: { coinEvent: null },
    errors: [
      {
        message: 'Authentication failed: the signing keys could not be fetched.',
        locations: [{ line: 1, column: 3 }],
        path: ['coinEvent'],
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ],
  });
  expect(res.headers.get('x-request-id')).toMatch(/\S/);
  const warnings = gateway.logs.slice(before).filter((line) => line.event === 'jwks_unavailable');
  expect(warnings).toEqual([
    expect.objectContaining({
      level: 40,
      event: 'jwks_unavailable',
      // Logged with the request's logger: the line names the request it is about.
      requestId: res.headers.get('x-request-id'),
      ...why,
      err: expect.objectContaining({ message: 'the signing keys could not be fetched' }),
    }),
  ]);
  for (const field of ['code', 'status'].filter((name) => !(name in why))) {
    expect(warnings[0]).not.toHaveProperty(field);
  }
  expect(JSON.stringify(warnings)).not.toMatch(/127\.0\.0\.1|jwks\.json|eyJ/);
  expect(upstreamCalls(gateway.sandbox)).toEqual([]);
}

describe('service mode with AUTH_JWKS_URL: a key set the gateway cannot use', () => {
  let jwks: JwksServer;
  let gateway: TestGateway;
  beforeAll(async () => {
    jwks = await startJwksServer([]);
    gateway = await startTestGateway({ ...SANDBOX_SERVICE_CREDENTIALS, AUTH_JWKS_URL: jwks.url });
  });
  afterAll(async () => {
    await gateway.close();
    await jwks.close();
  });

  // Before the weak-key case below: jose caches the first key set it gets, and these get none.
  it.each([
    ['answers 503', { status: 503, body: 'down for maintenance' }, { reason: 'http-status', status: 503 }],
    ['answers JSON that is not a key set', { status: 200, body: '{"keys":"none"}' }, { reason: 'invalid-key-set' }],
    ['answers a page that is not JSON', { status: 200, body: '<html>maintenance</html>' }, { reason: 'not-json' }],
  ])(
    'an endpoint that %s: UNAUTHENTICATED, and a jwks_unavailable warning that says why',
    async (_label, answer, why) => {
      jwks.answer = answer;
      await expectKeysUnavailable(gateway, why);
    },
  );

  it('a key jose refuses to use (RSA under 2048 bits): a masked INTERNAL_SERVER_ERROR, the cause in the log', async () => {
    const weak = createWeakRsaKey('weak-1');
    jwks.answer = { status: 200, body: JSON.stringify({ keys: [weak.publicJwk] }) };
    const token = weak.sign({ scope: 'coins:read', exp: nowSeconds() + 60 });
    const before = gateway.logs.length;
    const res = await gateway.post({ query: READ }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      data: { coinEvent: null },
      errors: [
        {
          message: 'Unexpected error.',
          locations: [{ line: 1, column: 3 }],
          path: ['coinEvent'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
    expect(text).not.toMatch(/modulusLength|TypeError|jose|127\.0\.0\.1/);
    const logged = gateway.logs.slice(before);
    expect(logged.filter((line) => line.event === 'jwks_unavailable')).toEqual([]);
    expect(logged.filter((line) => line.event === 'unexpected_error')).toEqual([
      expect.objectContaining({
        level: 50,
        path: ['coinEvent'],
        err: expect.objectContaining({ message: 'RS256 requires key modulusLength to be 2048 bits or larger' }),
      }),
    ]);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});

describe('service mode with AUTH_JWKS_URL: an endpoint that refuses connections', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_SERVICE_CREDENTIALS, AUTH_JWKS_URL: await refusingJwksUrl() });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('UNAUTHENTICATED, and a jwks_unavailable warning with the connection error code', async () => {
    await expectKeysUnavailable(gateway, { reason: 'connection', code: 'ECONNREFUSED' });
  });
});
