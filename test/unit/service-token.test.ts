import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createDeadline } from '../../src/upstream/deadline.js';
import { createServiceTokenManager, type ServiceTokenManager } from '../../src/upstream/oauth/service-token.js';
import { TokenRefusedError, type TokenEndpoint, type TokenGrant } from '../../src/upstream/oauth/token-endpoint.js';
import { UpstreamError } from '../../src/upstream/upstream-error.js';

type GrantRequest = Parameters<TokenEndpoint['request']>[0];

/** A token endpoint whose answers the test scripts; unscripted requests wait until answered. */
function fakeEndpoint() {
  const requests: GrantRequest[] = [];
  const pending: Array<{ resolve: (grant: TokenGrant) => void; reject: (error: unknown) => void }> = [];
  const script: Array<(request: GrantRequest) => TokenGrant | Promise<TokenGrant>> = [];
  let issued = 0;
  const endpoint: TokenEndpoint = {
    request(grant) {
      requests.push(grant);
      const next = script.shift();
      if (next) return Promise.resolve().then(() => next(grant));
      return new Promise<TokenGrant>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  return {
    endpoint,
    requests,
    pending,
    types: () => requests.map((request) => request.type),
    /** The next request answers with a fresh token. */
    grants(expiresInSeconds = 300, refresh = true) {
      script.push(() => {
        issued += 1;
        return {
          accessToken: `access-${issued}`,
          refreshToken: refresh ? `refresh-${issued}` : undefined,
          expiresInSeconds,
        };
      });
    },
    fails(error: unknown) {
      script.push(() => {
        throw error;
      });
    },
  };
}

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('trace', sink) };
}

const refused = (grant: 'password' | 'refresh_token', status = 401) =>
  new TokenRefusedError(grant, status, 'invalid_grant');
const connectionError = () => new UpstreamError({ reason: 'connection', detail: 'ECONNREFUSED' });

let fake: ReturnType<typeof fakeEndpoint>;
let logs: ReturnType<typeof captureLogs>;
let manager: ServiceTokenManager;
const token = (timeoutMs = 10_000) => manager.accessToken(createDeadline(timeoutMs));

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  fake = fakeEndpoint();
  logs = captureLogs();
  manager = createServiceTokenManager({ endpoint: fake.endpoint, logger: logs.logger });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('service token manager', () => {
  it('makes one token request for 20 concurrent cold callers, and reuses the token', async () => {
    fake.grants();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => token()));
    expect(new Set(tokens)).toEqual(new Set(['access-1']));
    expect(fake.types()).toEqual(['password']);
    expect(await token()).toBe('access-1');
    expect(fake.requests).toHaveLength(1);
  });

  it('renews 10% (at most 30 s) before expires_in runs out, with the refresh grant', async () => {
    fake.grants(300);
    expect(await token()).toBe('access-1');
    vi.advanceTimersByTime(269_999);
    expect(await token()).toBe('access-1');
    expect(fake.requests).toHaveLength(1);
    vi.advanceTimersByTime(1);
    fake.grants(300);
    expect(await token()).toBe('access-2');
    expect(fake.requests).toEqual([{ type: 'password' }, { type: 'refresh_token', refreshToken: 'refresh-1' }]);
  });

  it('renews a 2 s token after 1.8 s', async () => {
    fake.grants(2);
    await token();
    vi.advanceTimersByTime(1_799);
    expect(await token()).toBe('access-1');
    vi.advanceTimersByTime(1);
    fake.grants(2);
    expect(await token()).toBe('access-2');
    expect(fake.types()).toEqual(['password', 'refresh_token']);
  });

  it('renews with the password grant when no refresh token was given', async () => {
    fake.grants(300, false);
    await token();
    vi.advanceTimersByTime(270_000);
    fake.grants(300, false);
    expect(await token()).toBe('access-2');
    expect(fake.types()).toEqual(['password', 'password']);
  });

  it('falls back to exactly one password grant when the refresh is refused', async () => {
    fake.grants(300);
    await token();
    vi.advanceTimersByTime(270_000);
    fake.fails(refused('refresh_token', 400));
    fake.grants(300);
    expect(await token()).toBe('access-2');
    expect(fake.types()).toEqual(['password', 'refresh_token', 'password']);
    expect(logs.lines.filter((line) => line.event === 'service_token_refresh_refused')).toHaveLength(1);
  });

  it('never repeats a refused password grant, even after a refused refresh', async () => {
    fake.grants(300);
    await token();
    vi.advanceTimersByTime(270_000);
    fake.fails(refused('refresh_token'));
    fake.fails(refused('password'));
    await expect(token()).rejects.toMatchObject({ reason: 'auth-failed' });
    vi.advanceTimersByTime(3_600_000);
    await expect(token()).rejects.toMatchObject({ reason: 'auth-failed' });
    expect(fake.types()).toEqual(['password', 'refresh_token', 'password']);
    expect(manager.credentialsRejected).toBe(true);
  });

  it('after a refused password grant: 50 concurrent callers cause one request, then none, and one error log line', async () => {
    fake.fails(refused('password'));
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => token()));
    expect(
      results.every(
        (result) => result.status === 'rejected' && (result.reason as UpstreamError).reason === 'auth-failed',
      ),
    ).toBe(true);
    for (let i = 0; i < 10; i += 1) {
      vi.advanceTimersByTime(60_000);
      await expect(token()).rejects.toMatchObject({ reason: 'auth-failed' });
    }
    expect(fake.requests).toHaveLength(1);
    expect(manager.credentialsRejected).toBe(true);
    const rejections = logs.lines.filter((line) => line.event === 'service_credentials_rejected');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ level: 50, status: 401, oauthError: 'invalid_grant' });
  });

  it('backs off after transient failures (1 s, then 2 s), failing fast meanwhile', async () => {
    fake.fails(connectionError());
    await expect(token()).rejects.toMatchObject({ reason: 'connection' });
    await expect(token()).rejects.toMatchObject({ reason: 'connection' });
    expect(fake.requests).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    fake.fails(new UpstreamError({ reason: 'http-status', answer: { status: 503 } }));
    await expect(token()).rejects.toMatchObject({ reason: 'http-status' });
    vi.advanceTimersByTime(1_999);
    await expect(token()).rejects.toMatchObject({ reason: 'http-status' });
    expect(fake.requests).toHaveLength(2);
    vi.advanceTimersByTime(1);
    fake.grants();
    expect(await token()).toBe('access-1');
    expect(fake.types()).toEqual(['password', 'password', 'password']);
    expect(manager.credentialsRejected).toBe(false);
  });

  it('keeps using a still-valid token when its renewal fails transiently', async () => {
    fake.grants(300);
    await token();
    vi.advanceTimersByTime(280_000);
    fake.fails(connectionError());
    expect(await token()).toBe('access-1');
    expect(await token()).toBe('access-1');
    expect(fake.requests).toHaveLength(2);
  });

  it('never waits past the caller deadline, and the token request still serves later callers', async () => {
    const slow = token(100);
    const outcome = expect(slow).rejects.toMatchObject({ reason: 'timeout' });
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
    const later = token();
    fake.pending[0]?.resolve({ accessToken: 'late', refreshToken: undefined, expiresInSeconds: 300 });
    expect(await later).toBe('late');
    expect(fake.requests).toHaveLength(1);
  });

  it('discards a token after a 401 and renews it (with the refresh grant); a stale discard is a no-op', async () => {
    fake.grants();
    const first = await token();
    manager.discard(first);
    fake.grants();
    expect(await token()).toBe('access-2');
    manager.discard(first);
    expect(await token()).toBe('access-2');
    expect(fake.requests).toEqual([{ type: 'password' }, { type: 'refresh_token', refreshToken: 'refresh-1' }]);
  });

  it('never logs a token', async () => {
    fake.grants();
    await token();
    const text = JSON.stringify(logs.lines);
    expect(logs.lines.some((line) => line.event === 'service_token_obtained')).toBe(true);
    expect(text).not.toContain('access-1');
    expect(text).not.toContain('refresh-1');
  });
});
