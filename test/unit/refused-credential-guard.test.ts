import { describe, expect, it } from 'vitest';
import type { CallCredentials, CoinsClient } from '../../src/upstream/coins-client.js';
import type { ServiceTokenSource } from '../../src/upstream/oauth/service-token.js';
import { createRefusedCredentialGuard } from '../../src/upstream/refused-credential-guard.js';
import { UpstreamError, type UpstreamErrorInit } from '../../src/upstream/upstream-error.js';

// One guard per operation: after the upstream refused a credential, no further call is made with
// it; other credentials, and other failures, are not affected.

/** A fake client whose getBalance fails with `failure` (or answers 7) and counts its calls. */
function fakeClient(failure?: (credentials: CallCredentials) => UpstreamErrorInit | undefined) {
  const calls: CallCredentials[] = [];
  const client = {
    getBalance: async (_userId: string, credentials: CallCredentials) => {
      calls.push(credentials);
      const init = failure?.(credentials);
      if (init) throw new UpstreamError(init);
      return 7;
    },
  } as unknown as CoinsClient;
  return { client, calls };
}

const REFUSED = { authorization: 'Bearer garbage' };
const ACCEPTED = { authorization: 'Bearer good' };
const SERVICE: CallCredentials = { serviceToken: {} as ServiceTokenSource };

describe('createRefusedCredentialGuard', () => {
  it('after a 401, later calls with that credential fail with the same error, without a call', async () => {
    const { client, calls } = fakeClient((c) =>
      c === REFUSED ? { reason: 'http-status', answer: { status: 401 } } : undefined,
    );
    const guarded = createRefusedCredentialGuard(client);
    const first = await guarded.getBalance('U1', REFUSED).catch((error: unknown) => error);
    const second = await guarded.getBalance('U2', REFUSED).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(UpstreamError);
    expect(second).toBe(first);
    expect(calls).toEqual([REFUSED]);
    // Another credential in the same operation is unaffected.
    expect(await guarded.getBalance('U3', ACCEPTED)).toBe(7);
    expect(calls).toEqual([REFUSED, ACCEPTED]);
  });

  it('other failures (5xx, timeout, 403) do not stop later calls', async () => {
    const failures: UpstreamErrorInit[] = [
      { reason: 'http-status', answer: { status: 500 } },
      { reason: 'timeout' },
      { reason: 'http-status', answer: { status: 403 } },
    ];
    const { client, calls } = fakeClient(() => failures.shift());
    const guarded = createRefusedCredentialGuard(client);
    for (let i = 0; i < 3; i += 1)
      await expect(guarded.getBalance('U1', ACCEPTED)).rejects.toBeInstanceOf(UpstreamError);
    expect(await guarded.getBalance('U1', ACCEPTED)).toBe(7);
    expect(calls).toHaveLength(4);
  });

  it('service mode: after auth-failed (the client already renewed and replayed), no further call', async () => {
    const { client, calls } = fakeClient(() => ({ reason: 'auth-failed', answer: { status: 401 } }));
    const guarded = createRefusedCredentialGuard(client);
    await expect(guarded.getBalance('U1', SERVICE)).rejects.toMatchObject({ reason: 'auth-failed' });
    await expect(guarded.getBalance('U2', SERVICE)).rejects.toMatchObject({ reason: 'auth-failed' });
    expect(calls).toHaveLength(1);
  });

  it('a new guard (the next operation) tries again', async () => {
    const { client, calls } = fakeClient(() => ({ reason: 'http-status', answer: { status: 401 } }));
    await createRefusedCredentialGuard(client)
      .getBalance('U1', REFUSED)
      .catch(() => undefined);
    await createRefusedCredentialGuard(client)
      .getBalance('U1', REFUSED)
      .catch(() => undefined);
    expect(calls).toHaveLength(2);
  });
});
