import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type {
  SharedToken,
  SharedTokenLock,
  SharedTokenState,
  SharedTokenView,
} from '../../src/upstream/oauth/shared-token-state.js';
import { createDeadline } from '../../src/upstream/deadline.js';
import { createServiceTokenManager } from '../../src/upstream/oauth/service-token.js';
import { TokenRefusedError, type TokenEndpoint } from '../../src/upstream/oauth/token-endpoint.js';

const logger = createLogger('silent');
const deadline = () => createDeadline(5_000);

/** Redis as the managers see it, in memory; `down` makes every method answer "unavailable". */
function fakeRedis() {
  const data: { token?: SharedToken; rejected: boolean; clearGeneration: number; locked: boolean } = {
    rejected: false,
    clearGeneration: 0,
    locked: false,
  };
  const control = { down: false };
  const state: SharedTokenState = {
    fingerprint: 'f',
    lockTtlMs: 2_000,
    async read(): Promise<SharedTokenView | undefined> {
      if (control.down) return undefined;
      return { token: data.token, rejected: data.rejected, clearGeneration: data.clearGeneration };
    },
    async write(token) {
      if (control.down) return false;
      data.token = token;
      return true;
    },
    async markRejected() {
      if (control.down) return false;
      data.rejected = true;
      data.token = undefined;
      return true;
    },
    async tryLock(): Promise<SharedTokenLock | 'busy' | undefined> {
      if (control.down) return undefined;
      if (data.locked) return 'busy';
      data.locked = true;
      return {
        async release() {
          data.locked = false;
        },
      };
    },
  };
  return { state, data, control };
}

/** A token endpoint answering after `delayMs`: a fresh token, or a refusal of the password grant. */
function endpoint(answer: 'grant' | 'refuse', delayMs = 30) {
  let calls = 0;
  const tokenEndpoint: TokenEndpoint = {
    async request(grant) {
      calls += 1;
      const n = calls;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (answer === 'refuse') throw new TokenRefusedError(grant.type, 401, 'invalid_grant');
      return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresInSeconds: 300 };
    },
  };
  return { tokenEndpoint, calls: () => calls };
}

describe('service token shared between replicas', () => {
  it('one token request for several managers; the others wait for it and reuse it', async () => {
    const redis = fakeRedis();
    const upstream = endpoint('grant');
    const replicas = [1, 2, 3].map(() =>
      createServiceTokenManager({ endpoint: upstream.tokenEndpoint, logger, shared: redis.state }),
    );
    const tokens = await Promise.all(
      replicas.flatMap((replica) => [1, 2, 3].map(() => replica.accessToken(deadline()))),
    );
    expect(new Set(tokens)).toEqual(new Set(['access-1']));
    expect(upstream.calls()).toBe(1);
    expect(redis.data.locked).toBe(false);
  });

  it('a refusal is recorded before the lock is released: waiting and later managers never ask', async () => {
    const redis = fakeRedis();
    const upstream = endpoint('refuse');
    const [first, second] = [1, 2].map(() =>
      createServiceTokenManager({ endpoint: upstream.tokenEndpoint, logger, shared: redis.state }),
    );
    const results = await Promise.allSettled([first?.accessToken(deadline()), second?.accessToken(deadline())]);
    expect(
      results.map((result) => result.status === 'rejected' && (result.reason as { reason: string }).reason),
    ).toEqual(['auth-failed', 'auth-failed']);
    expect(upstream.calls()).toBe(1);
    expect(redis.data.rejected).toBe(true);
    expect([first?.credentialsRejected, second?.credentialsRejected]).toEqual([true, true]);

    const restarted = createServiceTokenManager({ endpoint: upstream.tokenEndpoint, logger, shared: redis.state });
    await expect(restarted.accessToken(deadline())).rejects.toMatchObject({ reason: 'auth-failed' });
    expect(upstream.calls()).toBe(1);
  });

  it('Redis unavailable: the manager asks on its own, and still never repeats a refused password grant', async () => {
    const redis = fakeRedis();
    redis.control.down = true;
    const upstream = endpoint('refuse');
    const manager = createServiceTokenManager({ endpoint: upstream.tokenEndpoint, logger, shared: redis.state });
    for (let i = 0; i < 3; i += 1) {
      await expect(manager.accessToken(deadline())).rejects.toMatchObject({ reason: 'auth-failed' });
    }
    expect(upstream.calls()).toBe(1);
    expect(redis.data.rejected).toBe(false);

    // Redis back: the rejection it could not record is written by the next sync.
    redis.control.down = false;
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    manager.syncSharedRejection();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(redis.data.rejected).toBe(true);
  });

  it("an operator's clear lets a rejected manager try once more", async () => {
    const redis = fakeRedis();
    const refusing = endpoint('refuse');
    const manager = createServiceTokenManager({ endpoint: refusing.tokenEndpoint, logger, shared: redis.state });
    await expect(manager.accessToken(deadline())).rejects.toMatchObject({ reason: 'auth-failed' });

    // Without a clear, a missing record (lost by Redis) is written again, not taken as a clear.
    redis.data.rejected = false;
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    manager.syncSharedRejection();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([redis.data.rejected, manager.credentialsRejected]).toEqual([true, true]);

    redis.data.rejected = false;
    redis.data.clearGeneration += 1;
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    manager.syncSharedRejection();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(manager.credentialsRejected).toBe(false);
    await expect(manager.accessToken(deadline())).rejects.toMatchObject({ reason: 'auth-failed' });
    expect(refusing.calls()).toBe(2);
  });

  it('a token the upstream answered 401 to is not taken from Redis again', async () => {
    const redis = fakeRedis();
    const upstream = endpoint('grant');
    const [first, second] = [1, 2].map(() =>
      createServiceTokenManager({ endpoint: upstream.tokenEndpoint, logger, shared: redis.state }),
    );
    expect(await first?.accessToken(deadline())).toBe('access-1');
    expect(await second?.accessToken(deadline())).toBe('access-1');
    second?.discard('access-1');
    expect(await second?.accessToken(deadline())).toBe('access-2');
    expect(redis.data.token?.accessToken).toBe('access-2');
    first?.discard('access-1');
    expect(await first?.accessToken(deadline())).toBe('access-2');
    expect(upstream.calls()).toBe(2);
  });
});
