import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxServer } from '../../src/sandbox/index.js';
import { OAUTH_TOKEN_PATH, balancePath } from '../helpers/upstream-paths.js';

// The sandbox's token endpoint as the gateway's service mode needs it: the refresh grant, strict
// token checking, a settable lifetime, revocation and the token request counter.

const BASIC = `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`;
const BALANCE = balancePath('EKQZVMQK');

interface TokenAnswer {
  status: number;
  json: Record<string, unknown>;
}

async function token(target: SandboxServer, form: Record<string, string>, authorization = BASIC): Promise<TokenAnswer> {
  const response = await fetch(`${target.url}${OAUTH_TOKEN_PATH}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const PASSWORD_GRANT = {
  grant_type: 'password',
  username: 'sandbox-user',
  password: 'sandbox-password',
  clientId: 'sandbox-client',
};

async function login(target: SandboxServer): Promise<{ access: string; refresh: string }> {
  const answer = await token(target, PASSWORD_GRANT);
  expect(answer.status).toBe(200);
  return { access: String(answer.json.access_token), refresh: String(answer.json.refresh_token) };
}

async function balanceStatus(target: SandboxServer, bearer: string): Promise<number> {
  const response = await fetch(target.url + BALANCE, { headers: { authorization: `Bearer ${bearer}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('sandbox OAuth, strict mode', () => {
  let sandbox: SandboxServer;
  beforeAll(async () => {
    sandbox = await startSandbox({ strictTokens: true, tokenTtlSeconds: 1 });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  it('accepts only tokens it issued', async () => {
    const { access } = await login(sandbox);
    expect(await balanceStatus(sandbox, access)).toBe(200);
    expect(await balanceStatus(sandbox, 'made-up-token')).toBe(401);
  });

  it('refuses an access token once its lifetime has passed', async () => {
    const { access } = await login(sandbox);
    expect(await balanceStatus(sandbox, access)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await balanceStatus(sandbox, access)).toBe(401);
  });

  it('issues a new access token for a refresh token, with the same refresh token', async () => {
    const first = await login(sandbox);
    const refreshed = await token(sandbox, { grant_type: 'refresh_token', refresh_token: first.refresh });
    expect(refreshed).toEqual({
      status: 200,
      json: {
        access_token: expect.any(String),
        token_type: 'bearer',
        refresh_token: first.refresh,
        expires_in: 1,
        scope: 'read write trust',
      },
    });
    expect(refreshed.json.access_token).not.toBe(first.access);
    expect(await balanceStatus(sandbox, String(refreshed.json.access_token))).toBe(200);
    expect(sandbox.oauth.tokenRequests).toEqual({ password: 1, refresh_token: 1, other: 0 });
    expect(sandbox.oauth.tokensIssued).toBe(2);
  });

  it('refuses an unknown refresh token or a bad client with OAuth errors, without counting a failed login', async () => {
    expect(await token(sandbox, { grant_type: 'refresh_token', refresh_token: 'nope' })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Invalid refresh token' },
    });
    const { refresh } = await login(sandbox);
    const badClient = `Basic ${Buffer.from('sandbox-client:wrong').toString('base64')}`;
    expect(await token(sandbox, { grant_type: 'refresh_token', refresh_token: refresh }, badClient)).toEqual({
      status: 401,
      json: { error: 'invalid_client', error_description: 'Bad client credentials' },
    });
    expect(await token(sandbox, { grant_type: 'refresh_token' })).toEqual({
      status: 400,
      json: { error: 'invalid_request' },
    });
    expect(sandbox.oauth.failedLogins).toBe(0);
    expect(sandbox.oauth.tokenRequests).toEqual({ password: 1, refresh_token: 3, other: 0 });
  });

  it('revokes one token by method, and every token through the admin route', async () => {
    const first = await login(sandbox);
    const second = await login(sandbox);
    expect(sandbox.oauth.revoke(first.access)).toBe(true);
    expect(sandbox.oauth.revoke('unknown')).toBe(false);
    expect(await balanceStatus(sandbox, first.access)).toBe(401);
    expect(await balanceStatus(sandbox, second.access)).toBe(200);

    const revoked = await fetch(`${sandbox.url}/__sandbox/oauth/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(204);
    expect(await balanceStatus(sandbox, second.access)).toBe(401);
    const refresh = await token(sandbox, { grant_type: 'refresh_token', refresh_token: second.refresh });
    expect(refresh.status).toBe(400);
  });

  it('revokes one token through the admin route', async () => {
    const { access } = await login(sandbox);
    const revoke = (body: string) => fetch(`${sandbox.url}/__sandbox/oauth/revoke`, { method: 'POST', body });
    expect((await revoke(JSON.stringify({ token: access }))).status).toBe(204);
    expect((await revoke(JSON.stringify({ token: access }))).status).toBe(404);
    expect((await revoke('{"token":1}')).status).toBe(400);
    expect(await balanceStatus(sandbox, access)).toBe(401);
  });

  it('counts token requests by grant in its admin state, and keeps the lock-out', async () => {
    await token(sandbox, { ...PASSWORD_GRANT, password: 'wrong' });
    await token(sandbox, { ...PASSWORD_GRANT, password: 'wrong' });
    await token(sandbox, { grant_type: 'client_credentials' });
    await token(sandbox, { ...PASSWORD_GRANT, password: 'wrong' });
    expect((await token(sandbox, PASSWORD_GRANT)).json.error).toBe('account_locked');
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      failedLogins: 3,
      locked: true,
      tokensIssued: 0,
      tokenRequests: { password: 4, refresh_token: 0, other: 1 },
    });
  });
});

describe('sandbox OAuth, default mode', () => {
  it('still accepts any non-empty bearer token', async () => {
    const sandbox = await startSandbox();
    try {
      expect(await balanceStatus(sandbox, 'anything')).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
