// Service mode: the gateway holds the partner's EnKash
// credentials, obtains its own token from the sandbox's /oauth/token and sends it upstream. The
// sandbox runs in strict mode: only tokens it issued (not revoked, not expired) are accepted.
// Each test starts a cold gateway, so that token requests can be counted from zero.

import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { spawnGatewayProcess, stopGatewayProcesses } from '../helpers/gateway-process.js';
import {
  AUTH_FAILED,
  BALANCE,
  closeServiceMode,
  SERVICE_ENV,
  startServiceMode,
} from '../helpers/service-credentials-setup.js';
import type { GraphQLResponse, TestGateway } from '../helpers/test-gateway.js';

const CALLER_AUTH = 'Bearer caller-own-token-value';
const ALLOCATE = 'mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId message } }';
const allocation = (requestId: string) => ({
  companyId: 'CEKEKCARDS',
  event: 'MEAL_CARD_PAYMENT',
  requestId,
  userId: 'EKQZVMQK',
});

afterEach(closeServiceMode);

function balanceOf(gateway: TestGateway, userId = 'EKQZVMQK'): Promise<GraphQLResponse> {
  return gateway.gql(BALANCE, { userId }, { authorization: CALLER_AUTH });
}

/** Upstream requests as "METHOD path authorization", the token request's grant instead of a header. */
function trace(sandbox: SandboxServer): string[] {
  const tokens = new Map<string, string>();
  for (const [index, issued] of sandbox.oauth.issued.entries()) tokens.set(issued.accessToken, `token#${index + 1}`);
  return sandbox.requests.map((request) => {
    if (request.path === '/oauth/token')
      return `POST /oauth/token ${new URLSearchParams(request.body).get('grant_type')}`;
    const bearer = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    return `${request.method} ${request.path} ${tokens.get(bearer) ?? `unknown:${bearer}`}`;
  });
}

const BASIC = `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`;

describe('service credentials: the token flow', () => {
  it('20 concurrent cold operations cause exactly one token request, sent as EnKash documents it', async () => {
    const { gateway, sandbox } = await startServiceMode();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => balanceOf(gateway, `USER${i}`)));
    expect(results).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ data: { coinBalance: { userId: `USER${i}`, coins: 0 } } })),
    );
    expect(sandbox.oauth.tokenRequests).toEqual({ password: 1, refresh_token: 0, other: 0 });

    const tokenRequest = sandbox.requests.find((request) => request.path === '/oauth/token');
    expect(tokenRequest?.method).toBe('POST');
    expect(tokenRequest?.headers.authorization).toBe(BASIC);
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: 'password',
      username: 'sandbox-user',
      password: 'sandbox-password',
      clientId: 'sandbox-client',
    });
    // Every coins call carries the gateway's token; the caller's own header never goes upstream.
    const coinsCalls = sandbox.requests.filter((request) => request.path !== '/oauth/token');
    expect(coinsCalls).toHaveLength(20);
    const issued = sandbox.oauth.issued[0]?.accessToken;
    for (const call of coinsCalls) expect(call.headers.authorization).toBe(`Bearer ${issued}`);
    expect(JSON.stringify(sandbox.requests)).not.toContain('caller-own-token-value');
  });

  it('works without any caller Authorization header (the gateway holds the credential)', async () => {
    const { gateway, sandbox } = await startServiceMode();
    expect(await gateway.gql(BALANCE, { userId: 'EKQZVMQK' }, { authorization: null })).toEqual({
      data: { coinBalance: { userId: 'EKQZVMQK', coins: 0 } },
    });
    expect(trace(sandbox)).toEqual(['POST /oauth/token password', 'GET /api/v0/coins/balance?userId=EKQZVMQK token#1']);
  });

  // Two renewals of a working token: the trace shows which grant renewed it and when.
  it.each([
    {
      name: 'renews the token with the refresh grant before expires_in runs out',
      sandboxOptions: { tokenTtlSeconds: 2 },
      // Renewal is due 10% before expiry (1.8 s of 2 s); the old token is still valid at 1.85 s.
      between: () => new Promise((resolve) => setTimeout(resolve, 1_850)),
      trace: [
        'POST /oauth/token password',
        'GET /api/v0/coins/balance?userId=EKQZVMQK token#1',
        'POST /oauth/token refresh_token',
        'GET /api/v0/coins/balance?userId=EKQZVMQK token#2',
      ],
      tokenRequests: { password: 1, refresh_token: 1, other: 0 },
    },
    {
      name: 'a refused refresh falls back to exactly one password grant',
      sandboxOptions: {},
      between: (sandbox: SandboxServer) => sandbox.oauth.revokeAll(),
      trace: [
        'POST /oauth/token password',
        'GET /api/v0/coins/balance?userId=EKQZVMQK token#1',
        'GET /api/v0/coins/balance?userId=EKQZVMQK token#1',
        'POST /oauth/token refresh_token',
        'POST /oauth/token password',
        'GET /api/v0/coins/balance?userId=EKQZVMQK token#2',
      ],
      tokenRequests: { password: 2, refresh_token: 1, other: 0 },
    },
  ])('$name', async ({ sandboxOptions, between, trace: expectedTrace, tokenRequests }) => {
    const { gateway, sandbox } = await startServiceMode({ sandbox: sandboxOptions });
    expect((await balanceOf(gateway)).data).toEqual({ coinBalance: { userId: 'EKQZVMQK', coins: 0 } });
    await between(sandbox);
    expect((await balanceOf(gateway)).data).toEqual({ coinBalance: { userId: 'EKQZVMQK', coins: 0 } });
    expect(trace(sandbox)).toEqual(expectedTrace);
    expect(sandbox.oauth.tokenRequests).toEqual(tokenRequests);
  });

  it('on a 401 renews the token and replays the allocation exactly once: credited once', async () => {
    const { gateway, sandbox } = await startServiceMode();
    expect((await gateway.gql(ALLOCATE, { input: allocation('COIN_REQ1') })).data).toEqual({
      allocateCoins: { requestId: 'COIN_REQ1', message: 'Successfully allocated enkash Coins' },
    });
    sandbox.oauth.revoke(sandbox.oauth.issued[0]?.accessToken ?? '');
    expect(await gateway.gql(ALLOCATE, { input: allocation('COIN_REQ2') })).toEqual({
      data: { allocateCoins: { requestId: 'COIN_REQ2', message: 'Successfully allocated enkash Coins' } },
    });
    expect(trace(sandbox)).toEqual([
      'POST /oauth/token password',
      'POST /api/v0/enkash-coins/allocate-coin token#1',
      'POST /api/v0/enkash-coins/allocate-coin token#1',
      'POST /oauth/token refresh_token',
      'POST /api/v0/enkash-coins/allocate-coin token#2',
    ]);
    const replayed = sandbox.requests.filter((request) => request.path.endsWith('/allocate-coin')).slice(1);
    expect(replayed.map((request) => request.body)).toEqual([
      JSON.stringify(allocation('COIN_REQ2')),
      JSON.stringify(allocation('COIN_REQ2')),
    ]);
    expect(sandbox.state.ledger.map((entry) => entry.requestId)).toEqual(['COIN_REQ1', 'COIN_REQ2']);
  });

  it('a second 401 with the renewed token is UPSTREAM_AUTH_FAILED, with no third attempt', async () => {
    const { gateway, sandbox } = await startServiceMode();
    sandbox.faults.inject({
      path: '/api/v0/enkash-coins/allocate-coin',
      times: 2,
      action: {
        kind: 'respond',
        status: 401,
        body: '{"response_code":401,"response_message":"Unauthorized","payload":null}',
      },
    });
    const result = await gateway.gql(ALLOCATE, { input: allocation('COIN_REQ3') });
    expect(result.data).toBeNull();
    expect(result.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'UPSTREAM_AUTH_FAILED',
        retryable: false,
        upstream: { status: 401, responseCode: 401, responseMessage: 'Unauthorized' },
      },
    ]);
    expect(trace(sandbox)).toEqual([
      'POST /oauth/token password',
      'POST /api/v0/enkash-coins/allocate-coin token#1',
      'POST /oauth/token refresh_token',
      'POST /api/v0/enkash-coins/allocate-coin token#2',
    ]);
    expect(sandbox.state.ledger).toEqual([]);
  });
});

describe('service credentials: never lock the partner account', () => {
  it('rejected credentials under 50 concurrent callers: one token request, then none; /ready 503; one error line', async () => {
    const { gateway, sandbox } = await startServiceMode({ env: { COINS_OAUTH_PASSWORD: 'wrong-password' } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => balanceOf(gateway, `USER${i}`)));
    expect(results).toEqual(Array(50).fill(AUTH_FAILED));
    for (let i = 0; i < 5; i += 1) {
      expect((await gateway.gql(ALLOCATE, { input: allocation(`COIN_REQ${i}`) })).errors?.[0]?.extensions?.code).toBe(
        'UPSTREAM_AUTH_FAILED',
      );
    }
    expect(sandbox.oauth.tokenRequests).toEqual({ password: 1, refresh_token: 0, other: 0 });
    expect(trace(sandbox)).toEqual(['POST /oauth/token password']);
    expect(sandbox.oauth.failedLogins).toBe(1);
    expect(sandbox.oauth.locked).toBe(false);

    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable' });
    const rejections = gateway.logs.filter((line) => line.event === 'service_credentials_rejected');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ level: 50, status: 401, oauthError: 'invalid_grant' });
    expect(gateway.logText()).not.toContain('wrong-password');
  });

  it('a transient token-endpoint failure is UPSTREAM_UNAVAILABLE, waits a backoff, then recovers', async () => {
    const { gateway, sandbox } = await startServiceMode();
    sandbox.faults.inject({ path: '/oauth/token', times: 1, action: { kind: 'respond', status: 503, body: 'down' } });
    const codes = async () => (await balanceOf(gateway)).errors?.map((error) => error.extensions?.code);
    expect(await codes()).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(await codes()).toEqual(['UPSTREAM_UNAVAILABLE']);
    // The second operation fell in the backoff: no second token request.
    expect(trace(sandbox)).toEqual(['POST /oauth/token password']);
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await codes()).toBeUndefined();
    expect(trace(sandbox)).toEqual([
      'POST /oauth/token password',
      'POST /oauth/token password',
      'GET /api/v0/coins/balance?userId=EKQZVMQK token#1',
    ]);
  });

  it('a hung token endpoint is UPSTREAM_TIMEOUT within the operation deadline', async () => {
    const { gateway, sandbox } = await startServiceMode({ env: { COINS_API_TIMEOUT_MS: '400' } });
    sandbox.faults.inject({ path: '/oauth/token', times: 1, action: { kind: 'hang' } });
    const started = performance.now();
    const result = await balanceOf(gateway);
    const elapsed = performance.now() - started;
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(2_000);
    expect(sandbox.oauth.failedLogins).toBe(0);
  });
});

describe('service credentials: secrets stay out of every output', () => {
  it('LOG_LEVEL=trace: no client secret, password, access or refresh token in logs or responses', async () => {
    const { gateway, sandbox } = await startServiceMode({
      sandbox: { tokenTtlSeconds: 2 },
      env: { LOG_LEVEL: 'trace' },
    });
    const bodies: string[] = [];
    const record = async (result: Promise<GraphQLResponse>) => bodies.push(JSON.stringify(await result));
    await record(balanceOf(gateway));
    await record(gateway.gql(ALLOCATE, { input: allocation('COIN_REQ9') }));
    sandbox.oauth.revoke(sandbox.oauth.issued[0]?.accessToken ?? '');
    await record(balanceOf(gateway)); // 401 → refresh grant → replay
    sandbox.oauth.revokeAll();
    await record(balanceOf(gateway)); // 401 → refused refresh → password grant → replay
    sandbox.faults.inject({
      path: '/api/v0/coins/balance',
      times: 2,
      action: { kind: 'respond', status: 401, body: '{}' },
    });
    await record(balanceOf(gateway)); // UPSTREAM_AUTH_FAILED
    await new Promise((resolve) => setTimeout(resolve, 1_850));
    await record(balanceOf(gateway)); // renewal before expiry
    for (const path of ['/ready', '/health']) bodies.push(await (await fetch(gateway.url + path)).text());

    expect(sandbox.oauth.tokenRequests.refresh_token).toBeGreaterThanOrEqual(3);
    const secrets = [
      'sandbox-secret',
      'sandbox-password',
      BASIC.slice('Basic '.length),
      'caller-own-token-value',
      ...sandbox.oauth.issued.flatMap((issued) => [issued.accessToken, issued.refreshToken]),
    ];
    expect(sandbox.oauth.issued.length).toBeGreaterThanOrEqual(4);
    expect(gateway.logs.length).toBeGreaterThan(10);
    const output = `${gateway.logText()}\n${bodies.join('\n')}`;
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});

describe('service credentials: the process', () => {
  afterEach(stopGatewayProcesses);

  function run(env: Record<string, string>) {
    const gateway = spawnGatewayProcess(env);
    return { ...gateway, output: () => gateway.stdout() + gateway.stderr() };
  }

  it('refuses to start with some but not all credentials: exit 1, naming the missing ones, no value', async () => {
    const child = run({
      COINS_OAUTH_CLIENT_ID: 'partner-client-id',
      COINS_OAUTH_PASSWORD: 'hunter2-password',
      AUTH_DISABLED: 'true',
    });
    expect((await child.exited).code).toBe(1);
    expect(child.output()).toContain(
      'missing: COINS_OAUTH_CLIENT_SECRET (or COINS_OAUTH_CLIENT_SECRET_FILE), COINS_OAUTH_USERNAME',
    );
    expect(child.output()).not.toContain('hunter2-password');
    expect(child.output()).not.toContain('partner-client-id');
  });

  it("runs in service mode against npm start's sandbox in one command", async () => {
    const child = run({ ...SERVICE_ENV, LOG_LEVEL: 'info' });
    const listening = await child.logged('listening');
    const url = /GraphQL and GraphiQL at (http:\/\/\S+)\/graphql/.exec(String(listening.msg))?.[1];
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ coinEvent(coinConfigId: "WCC817428") { coinConfigId amount } }' }),
    });
    expect(await response.json()).toEqual({ data: { coinEvent: { coinConfigId: 'WCC817428', amount: 6 } } });
    expect(child.output()).toContain('"upstreamCredentials":"service"');
    expect(child.output()).toContain('only tokens from its /oauth/token accepted');
  });
});
