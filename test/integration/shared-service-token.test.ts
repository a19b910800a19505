// Service mode with many replicas (REDIS_URL): one token for all of them, at most one token
// request in flight, and rejected credentials that stay rejected across replicas and restarts.
// Three in-process replicas share one real redis-server and one strict sandbox upstream.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jsonReply } from '../helpers/fault-actions.js';
import { useRedisReplicas } from '../helpers/redis-replicas.js';
import { waitForSharedState } from '../helpers/redis-server.js';
import { AUTH_FAILED, BALANCE, SERVICE_ENV } from '../helpers/service-credentials-setup.js';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { OAUTH_TOKEN_PATH } from '../helpers/upstream-paths.js';

const WRONG_PASSWORD = { ...SERVICE_ENV, COINS_OAUTH_PASSWORD: 'not-the-password' };
const execFileAsync = promisify(execFile);

const shared = useRedisReplicas({ sandbox: { strictTokens: true }, freshEachTest: true });
const { replicas } = shared;
const startReplicas = (env: Record<string, string>, count = 3) => shared.start(count, env);
const stopReplicas = () => shared.stop();

function balance(replica: TestGateway, userId = 'U1'): Promise<GraphQLResponse> {
  return replica.gql(BALANCE, { userId }, { authorization: null });
}

const tokenRequests = () => shared.sandbox.requests.filter((request) => request.path === OAUTH_TOKEN_PATH);
const readyStatus = async (replica: TestGateway) => (await fetch(`${replica.url}/ready`)).status;

/** Bounded: polls every 50 ms for at most 5 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('one token for all replicas', () => {
  it('3 replicas x 20 concurrent operations on a cold start make exactly one token request', async () => {
    await startReplicas(SERVICE_ENV);
    const results = await Promise.all(
      replicas.flatMap((replica, r) => Array.from({ length: 20 }, (_, i) => balance(replica, `R${r}U${i}`))),
    );
    expect(results).toEqual(
      replicas.flatMap((_, r) =>
        Array.from({ length: 20 }, (_, i) => ({ data: { coinBalance: { userId: `R${r}U${i}`, coins: 0 } } })),
      ),
    );
    expect(shared.sandbox.oauth.tokenRequests).toEqual({ password: 1, refresh_token: 0, other: 0 });
    // Every coins call of every replica carried that one token.
    const [issued] = shared.sandbox.oauth.issued;
    const bearers = new Set(
      shared.sandbox.requests
        .filter((request) => request.path !== OAUTH_TOKEN_PATH)
        .map((request) => request.headers.authorization),
    );
    expect([...bearers]).toEqual([`Bearer ${issued?.accessToken}`]);
  });

  it('a replica started later reuses the stored token; Redis holds it encrypted, under a fingerprint', async () => {
    await startReplicas(SERVICE_ENV, 1);
    expect(await balance(replicas[0] as TestGateway)).toEqual({ data: { coinBalance: { userId: 'U1', coins: 0 } } });
    await stopReplicas();
    await startReplicas(SERVICE_ENV, 2);
    for (const replica of replicas) {
      expect(await balance(replica)).toEqual({ data: { coinBalance: { userId: 'U1', coins: 0 } } });
    }
    expect(shared.sandbox.oauth.tokenRequests.password).toBe(1);

    const keys = await shared.redis.client.keys('coins-gateway:oauth:*');
    expect(keys).toEqual([expect.stringMatching(/^coins-gateway:oauth:token:[0-9a-f]{64}$/)]);
    const stored = (await shared.redis.client.get(keys[0] as string)) ?? '';
    const [issued] = shared.sandbox.oauth.issued;
    for (const secret of [
      issued?.accessToken,
      issued?.refreshToken,
      'sandbox-secret',
      'sandbox-password',
      'sandbox-user',
    ]) {
      expect(stored).not.toContain(secret);
      expect(keys[0]).not.toContain(secret);
    }
  });

  it('after a 401 the replicas renew once (refresh grant) and share the new token', async () => {
    await startReplicas(SERVICE_ENV);
    for (const replica of replicas) await balance(replica);
    shared.sandbox.oauth.revokeAll();
    const before = tokenRequests().length;
    const results = await Promise.all(replicas.map((replica) => balance(replica)));
    expect(results).toEqual(Array(3).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }));
    // The refresh token was revoked too: the refresh is refused, then one password grant.
    expect(tokenRequests().length - before).toBeLessThanOrEqual(2);
    expect(shared.sandbox.oauth.tokenRequests.password).toBe(2);
  });
});

describe('rejected credentials stay rejected', () => {
  it('a wrong password across 3 replicas: one token request; none after restarting all; one after fixing it', async () => {
    await startReplicas(WRONG_PASSWORD);
    const results = await Promise.all(replicas.flatMap((replica) => Array.from({ length: 5 }, () => balance(replica))));
    expect(results).toEqual(Array(15).fill(AUTH_FAILED));
    expect(tokenRequests()).toHaveLength(1);
    expect(shared.sandbox.oauth.failedLogins).toBe(1);
    for (const replica of replicas) await eventually(async () => (await readyStatus(replica)) === 503);

    // The record: under a fingerprint, with no secret in it.
    const keys = await shared.redis.client.keys('coins-gateway:oauth:*');
    expect(keys).toEqual([expect.stringMatching(/^coins-gateway:oauth:rejected:[0-9a-f]{64}$/)]);
    const record = JSON.parse((await shared.redis.client.get(keys[0] as string)) ?? '{}') as Record<string, unknown>;
    expect(record).toEqual({ at: expect.any(String), status: 401, oauthError: 'invalid_grant' });

    // Restart all of them: no token request at all; /ready says 503 without any operation.
    await stopReplicas();
    await startReplicas(WRONG_PASSWORD);
    for (const replica of replicas) await eventually(async () => (await readyStatus(replica)) === 503);
    const again = await Promise.all(replicas.map((replica) => balance(replica)));
    expect(again).toEqual(Array(3).fill(AUTH_FAILED));
    expect(tokenRequests()).toHaveLength(1);
    expect(shared.sandbox.oauth.failedLogins).toBe(1);

    // Fixed credentials are another fingerprint: tried once, and they work.
    await stopReplicas();
    await startReplicas(SERVICE_ENV);
    const fixed = await Promise.all(replicas.map((replica) => balance(replica)));
    expect(fixed).toEqual(Array(3).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }));
    expect(tokenRequests()).toHaveLength(2);
    for (const replica of replicas) expect(await readyStatus(replica)).toBe(200);
  });

  it('npm run oauth:clear lets the replicas try the same credentials once more', async () => {
    // EnKash refuses once (e.g. the account was locked), then accepts the same credentials.
    shared.sandbox.faults.inject({
      path: OAUTH_TOKEN_PATH,
      action: jsonReply(401, JSON.stringify({ error: 'account_locked' })),
      times: 1,
    });
    await startReplicas(SERVICE_ENV);
    expect(await Promise.all(replicas.map((replica) => balance(replica)))).toEqual(Array(3).fill(AUTH_FAILED));
    for (const replica of replicas) await eventually(async () => (await readyStatus(replica)) === 503);
    expect(tokenRequests()).toHaveLength(1);

    const cleared = await execFileAsync('npx', ['tsx', 'src/scripts/oauth-clear.ts'], {
      env: { ...process.env, ...SERVICE_ENV, REDIS_URL: shared.redis.url },
    });
    expect(cleared.stdout).toMatch(/^cleared the rejection of the configured credentials \(fingerprint [0-9a-f]{12}\)/);
    expect(cleared.stdout + cleared.stderr).not.toContain('sandbox-password');

    // /ready turns 200 again on the next probes (within about a second), then one token request.
    for (const replica of replicas) await eventually(async () => (await readyStatus(replica)) === 200);
    expect(await Promise.all(replicas.map((replica) => balance(replica)))).toEqual(
      Array(3).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }),
    );
    expect(tokenRequests()).toHaveLength(2);
    for (const replica of replicas) {
      expect(replica.logs.filter((line) => line.event === 'service_credentials_cleared')).toHaveLength(1);
    }
  });

  it('oauth:clear without a record says so; without REDIS_URL it refuses (exit 1)', async () => {
    const nothing = await execFileAsync('npx', ['tsx', 'src/scripts/oauth-clear.ts'], {
      env: { ...process.env, ...SERVICE_ENV, REDIS_URL: shared.redis.url },
    });
    expect(nothing.stdout).toMatch(/^no rejection recorded for the configured credentials/);
    await expect(
      execFileAsync('npx', ['tsx', 'src/scripts/oauth-clear.ts'], {
        env: { ...process.env, ...SERVICE_ENV, REDIS_URL: '' },
      }),
    ).rejects.toMatchObject({ code: 1 });
  });
});

describe('Redis down in service mode', () => {
  it('keeps serving with each replica holding its own token, and shares again when Redis is back', async () => {
    await startReplicas(SERVICE_ENV, 2);
    for (const replica of replicas) await balance(replica);
    expect(shared.sandbox.oauth.tokenRequests.password).toBe(1);

    await shared.redis.kill();
    // Tokens already held keep working without Redis.
    expect(await Promise.all(replicas.map((replica) => balance(replica)))).toEqual(
      Array(2).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }),
    );
    // After a 401 each replica renews on its own, since nothing can be shared.
    shared.sandbox.oauth.revokeAll();
    expect(await Promise.all(replicas.map((replica) => balance(replica)))).toEqual(
      Array(2).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }),
    );

    await shared.redis.restart();
    await Promise.all(replicas.map((replica) => waitForSharedState(replica.app)));
    expect(await Promise.all(replicas.map((replica) => balance(replica)))).toEqual(
      Array(2).fill({ data: { coinBalance: { userId: 'U1', coins: 0 } } }),
    );
  });

  it('a replica never repeats a refused password grant itself, even with Redis down', async () => {
    await shared.redis.kill();
    try {
      // Not shared.start(): it would wait for the Redis that is down.
      const replica = await startTestGateway(
        { ...WRONG_PASSWORD, REDIS_URL: shared.redis.url, REDIS_TIMEOUT_MS: '50' },
        { sandbox: shared.sandbox },
      );
      replicas.push(replica);
      for (let i = 0; i < 3; i += 1) expect(await balance(replica)).toEqual(AUTH_FAILED);
      expect(tokenRequests()).toHaveLength(1);
      expect(await readyStatus(replica)).toBe(503);
    } finally {
      await shared.redis.restart();
    }
  });
});
