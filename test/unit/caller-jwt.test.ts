import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from 'jose';
import {
  CallerTokenError,
  createJwtVerifier,
  describeKeySetFailure,
  MAX_KEYS_TRIED_PER_TOKEN,
  type JwtVerification,
} from '../../src/auth/caller-jwt.js';
import type { TenantCaller } from '../../src/auth/caller.js';
import {
  createSigningKey,
  createWeakRsaKey,
  nowSeconds,
  refusingJwksUrl,
  signHs256,
  signWith,
  startJwksServer,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../helpers/jwks-server.js';

/** The caller JWT accept/reject matrix: HS256 with a shared secret, and RS256/ES256/EdDSA from a JWKS. */

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const CLAIMS = { company: 'companies', user: 'sub' };
const valid = () => ({
  companies: ['CEKEKCARDS'],
  sub: 'EKQZVMQK',
  scope: 'coins:read coins:write',
  exp: nowSeconds() + 600,
});

/** The reason a token is refused, or 'accepted'. */
async function outcome(verify: (token: string) => Promise<TenantCaller>, token: string): Promise<string> {
  try {
    await verify(token);
    return 'accepted';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('HS256 with AUTH_JWT_SECRET', () => {
  const verify = createJwtVerifier({ key: { secret: new TextEncoder().encode(SECRET) } }, CLAIMS);

  it('accepts a valid token and reads its claims', async () => {
    const caller = await verify(await signHs256(SECRET, valid()));
    expect(caller).toEqual({
      kind: 'tenant',
      subject: 'EKQZVMQK',
      userId: 'EKQZVMQK',
      companies: new Set(['CEKEKCARDS']),
      scopes: new Set(['coins:read', 'coins:write']),
    });
  });

  it.each([
    ['expired', async () => signHs256(SECRET, { ...valid(), exp: nowSeconds() - 60 }), 'the token has expired'],
    [
      'not yet valid',
      async () => signHs256(SECRET, { ...valid(), nbf: nowSeconds() + 60 }),
      'the token is not valid yet',
    ],
    ['without exp', async () => signHs256(SECRET, { ...valid(), exp: undefined }), 'the token has no exp claim'],
    ['signed with another secret', async () => signHs256(`${SECRET}-other`, valid()), 'the token signature is invalid'],
    ['alg none', async () => unsignedToken(valid()), "the token's algorithm is not accepted"],
    ['HS512', async () => signHs256(SECRET, valid(), { alg: 'HS512' }), "the token's algorithm is not accepted"],
    ['not a JWT', async () => 'not-a-jwt', 'the token is malformed'],
    ['three garbage parts', async () => 'a.b.c', 'the token is malformed'],
    ['a tampered payload', async () => tamper(await signHs256(SECRET, valid())), 'the token signature is invalid'],
    [
      'companies as a number',
      async () => signHs256(SECRET, { ...valid(), companies: 5 }),
      "the token's companies claim has the wrong type",
    ],
    [
      'scp with a number',
      async () => signHs256(SECRET, { ...valid(), scp: ['coins:read', 1] }),
      "the token's scp claim has the wrong type",
    ],
    [
      'sub as an object',
      async () => signHs256(SECRET, { ...valid(), sub: { id: 1 } as unknown as string }),
      "the token's sub claim has the wrong type",
    ],
  ])('refuses a token %s', async (_label, token, reason) => {
    expect(await outcome(verify, await token())).toBe(reason);
  });

  it('tolerates 5 s of clock skew, not more', async () => {
    expect(await outcome(verify, await signHs256(SECRET, { ...valid(), exp: nowSeconds() - 2 }))).toBe('accepted');
    expect(await outcome(verify, await signHs256(SECRET, { ...valid(), nbf: nowSeconds() + 2 }))).toBe('accepted');
    expect(await outcome(verify, await signHs256(SECRET, { ...valid(), exp: nowSeconds() - 30 }))).toBe(
      'the token has expired',
    );
  });

  describe('with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE', () => {
    const strict = createJwtVerifier(
      {
        key: { secret: new TextEncoder().encode(SECRET) },
        issuer: 'https://idp.example.com',
        audience: 'coins-gateway',
      },
      CLAIMS,
    );
    const claims = () => ({ ...valid(), iss: 'https://idp.example.com', aud: 'coins-gateway' });

    it.each([
      ['matching iss and aud', claims(), 'accepted'],
      ['aud as an array holding ours', { ...claims(), aud: ['other', 'coins-gateway'] }, 'accepted'],
      ['another issuer', { ...claims(), iss: 'https://evil.example.com' }, "the token's iss is not accepted"],
      ['no issuer', { ...claims(), iss: undefined }, 'the token has no iss claim'],
      ['another audience', { ...claims(), aud: 'other-api' }, "the token's aud is not accepted"],
      ['no audience', { ...claims(), aud: undefined }, 'the token has no aud claim'],
    ])('%s → %s', async (_label, payload, expected) => {
      expect(await outcome(strict, await signHs256(SECRET, payload))).toBe(expected);
    });

    it('without them configured, iss and aud are not checked', async () => {
      expect(await outcome(verify, await signHs256(SECRET, { ...valid(), iss: 'anyone', aud: 'anything' }))).toBe(
        'accepted',
      );
    });
  });
});

describe('claims', () => {
  const verify = createJwtVerifier(
    { key: { secret: new TextEncoder().encode(SECRET) } },
    { company: 'https://example.com/companies', user: 'uid' },
  );

  it.each([
    ['a company string', { 'https://example.com/companies': 'CEKEKCARDS' }, { companies: new Set(['CEKEKCARDS']) }],
    ['"*" among the companies', { 'https://example.com/companies': ['A', '*'] }, { companies: 'all' }],
    ['"*" alone', { 'https://example.com/companies': '*' }, { companies: 'all' }],
    ['no company claim: no company', {}, { companies: new Set() }],
    [
      'scp as an array',
      { scp: ['coins:read', 'coins:allocate'] },
      { scopes: new Set(['coins:read', 'coins:allocate']) },
    ],
    [
      'scope and scp together',
      { scope: 'coins:read', scp: 'coins:balances' },
      { scopes: new Set(['coins:read', 'coins:balances']) },
    ],
    ['the configured user claim', { uid: 'U1', sub: 'ignored' }, { userId: 'U1' }],
    ['no user claim', { sub: 'ignored' }, { userId: undefined }],
  ])('%s', async (_label, payload, expected) => {
    const caller = await verify(await signHs256(SECRET, { exp: nowSeconds() + 60, ...payload }));
    expect(caller).toMatchObject(expected);
  });
});

describe('JWKS from AUTH_JWKS_URL (a key server on loopback)', () => {
  let server: JwksServer;
  let keys: Record<'RS256' | 'ES256' | 'EdDSA', SigningKey>;
  let verification: JwtVerification;

  beforeAll(async () => {
    keys = {
      RS256: await createSigningKey('RS256', 'rsa-1'),
      ES256: await createSigningKey('ES256', 'ec-1'),
      EdDSA: await createSigningKey('EdDSA', 'ed-1'),
    };
    server = await startJwksServer(Object.values(keys));
    verification = { key: { jwksUrl: server.url } };
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token signed by a published key', async (alg) => {
    const verify = createJwtVerifier(verification, CLAIMS);
    expect(await outcome(verify, await signWith(keys[alg], valid()))).toBe('accepted');
  });

  it('fetches the key set once and caches it', async () => {
    server.fetches = 0;
    const verify = createJwtVerifier(verification, CLAIMS);
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'RS256'] as const) {
      expect(await outcome(verify, await signWith(keys[alg], valid()))).toBe('accepted');
    }
    expect(server.fetches).toBe(1);
  });

  it('refetches the key set for an unknown kid (key rotation), at most once per cooldown', async () => {
    const verify = createJwtVerifier(verification, CLAIMS, { jwksCooldownMs: 200 });
    server.fetches = 0;
    expect(await outcome(verify, await signWith(keys.RS256, valid()))).toBe('accepted');
    const rotated = await createSigningKey('ES256', 'ec-2');
    const published = server.keys;
    server.keys = [...published, rotated];
    try {
      // Within the cooldown the cached set is used: an unknown kid cannot make the gateway hammer the IdP.
      expect(await outcome(verify, await signWith(rotated, valid()))).toBe('the token is signed by an unknown key');
      expect(server.fetches).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await outcome(verify, await signWith(rotated, valid()))).toBe('accepted');
      expect(server.fetches).toBe(2);
    } finally {
      server.keys = published;
    }
  });

  it.each([
    [
      'signed by a key that is not published',
      async () => signWith(await createSigningKey('RS256', 'rsa-1'), valid()),
      'the token signature is invalid',
    ],
    [
      'with a kid nobody published',
      async () => signWith(await createSigningKey('RS256', 'who'), valid()),
      'the token is signed by an unknown key',
    ],
    ['alg none', async () => unsignedToken(valid()), "the token's algorithm is not accepted"],
    ['expired', async () => signWith(keys.ES256, { ...valid(), exp: nowSeconds() - 60 }), 'the token has expired'],
    [
      'not yet valid',
      async () => signWith(keys.EdDSA, { ...valid(), nbf: nowSeconds() + 60 }),
      'the token is not valid yet',
    ],
    [
      'HS256 with a shared secret',
      async () => signHs256(SECRET, valid(), { kid: 'rsa-1' }),
      "the token's algorithm is not accepted",
    ],
  ])('refuses a token %s', async (_label, token, reason) => {
    const verify = createJwtVerifier(verification, CLAIMS);
    expect(await outcome(verify, await token())).toBe(reason);
  });

  it('refuses an HS256 token whose HMAC key is the published public key (alg confusion)', async () => {
    const verify = createJwtVerifier(verification, CLAIMS);
    const publicKeyAsSecret = JSON.stringify(keys.RS256.publicJwk);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${encode({ alg: 'HS256', kid: 'rsa-1' })}.${encode(valid())}`;
    const forged = `${signingInput}.${createHmac('sha256', publicKeyAsSecret).update(signingInput).digest('base64url')}`;
    expect(await outcome(verify, forged)).toBe("the token's algorithm is not accepted");
  });

  it('a key set endpoint that refuses the connection refuses the token and says why (the error code)', async () => {
    const verify = createJwtVerifier({ key: { jwksUrl: await refusingJwksUrl() } }, CLAIMS);
    const refusal = await verify(await signWith(keys.RS256, valid())).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CallerTokenError);
    expect(refusal).toMatchObject({
      reason: 'the signing keys could not be fetched',
      keySetFailure: { reason: 'connection', code: 'ECONNREFUSED' },
    });
  });

  // What jose reports for a JWKS endpoint it could not get a key set from: each is the gateway's
  // problem (logged as jwks_unavailable, with why), not the caller's.
  it.each([
    ['answers 500', { status: 500, body: 'upstream trouble' }, { reason: 'http-status', status: 500 }],
    ['answers 404', { status: 404, body: 'not found' }, { reason: 'http-status', status: 404 }],
    ['redirects (not followed)', { status: 302, body: '' }, { reason: 'http-status', status: 302 }],
    ['answers something that is not JSON', { status: 200, body: '<html>maintenance</html>' }, { reason: 'not-json' }],
    ['answers JSON that is not a key set', { status: 200, body: '{"keys":"none"}' }, { reason: 'invalid-key-set' }],
  ])('a JWKS endpoint that %s refuses the token as keys that could not be fetched', async (_label, answer, why) => {
    server.answer = answer;
    try {
      const verify = createJwtVerifier(verification, CLAIMS);
      const refusal = await verify(await signWith(keys.RS256, valid())).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(CallerTokenError);
      expect(refusal).toEqual(expect.objectContaining({ reason: 'the signing keys could not be fetched' }));
      expect((refusal as CallerTokenError).keySetFailure).toEqual(why);
    } finally {
      server.answer = undefined;
    }
  });

  it('a TypeError that is not a failed fetch is not reported as keys that could not be fetched', async () => {
    // jose refuses to use an RSA key under 2048 bits with a TypeError: the key set WAS fetched, the
    // problem is its content. The verifier lets the error through (the authenticator rethrows it, so
    // the client gets a masked INTERNAL_SERVER_ERROR) instead of blaming the endpoint or the token.
    const weak = createWeakRsaKey('weak-1');
    server.answer = { status: 200, body: JSON.stringify({ keys: [weak.publicJwk] }) };
    try {
      const verify = createJwtVerifier(verification, CLAIMS);
      const token = weak.sign(valid());
      const refusal = await verify(token).catch((error: unknown) => error);
      expect(refusal).not.toBeInstanceOf(CallerTokenError);
      expect(refusal).toBeInstanceOf(TypeError);
      expect((refusal as Error).message).toBe('RS256 requires key modulusLength to be 2048 bits or larger');
    } finally {
      server.answer = undefined;
    }
  });

  it('checks iss and aud for JWKS tokens too', async () => {
    const verify = createJwtVerifier(
      { ...verification, issuer: 'https://idp.example.com', audience: 'coins-gateway' },
      CLAIMS,
    );
    const good = { ...valid(), iss: 'https://idp.example.com', aud: 'coins-gateway' };
    expect(await outcome(verify, await signWith(keys.RS256, good))).toBe('accepted');
    expect(await outcome(verify, await signWith(keys.RS256, { ...good, iss: 'x' }))).toBe(
      "the token's iss is not accepted",
    );
    expect(await outcome(verify, await signWith(keys.RS256, { ...good, aud: 'x' }))).toBe(
      "the token's aud is not accepted",
    );
  });
});

describe('JWKS with several keys that could have signed a token without kid (key rotation)', () => {
  let server: JwksServer;
  let previous: SigningKey;
  let current: SigningKey;

  beforeAll(async () => {
    previous = await createSigningKey('RS256', 'rsa-previous');
    current = await createSigningKey('RS256', 'rsa-current');
    server = await startJwksServer([previous, current]);
  });
  afterAll(async () => {
    await server.close();
  });

  /** Signed by `key`, with no kid in the header: jose matches every RS256 key of the set. */
  const withoutKid = (key: SigningKey, payload: Record<string, unknown>) => signWith(key, payload, { kid: undefined });

  it('accepts a token signed by the second key and reads its claims', async () => {
    const verify = createJwtVerifier({ key: { jwksUrl: server.url } }, CLAIMS);
    const token = await withoutKid(current, valid());
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(await verify(token)).toEqual({
      kind: 'tenant',
      subject: 'EKQZVMQK',
      userId: 'EKQZVMQK',
      companies: new Set(['CEKEKCARDS']),
      scopes: new Set(['coins:read', 'coins:write']),
    });
    expect(await outcome(verify, await withoutKid(previous, valid()))).toBe('accepted');
  });

  it.each([
    [
      'signed by a key that is not in the set',
      async () => withoutKid(await createSigningKey('RS256', 'rsa-stranger'), valid()),
      'the token signature is invalid',
    ],
    [
      'signed by one of the keys but expired',
      async () => withoutKid(current, { ...valid(), exp: nowSeconds() - 60 }),
      'the token has expired',
    ],
    [
      'signed by one of the keys but not yet valid',
      async () => withoutKid(previous, { ...valid(), nbf: nowSeconds() + 60 }),
      'the token is not valid yet',
    ],
    [
      'signed by one of the keys with a tampered payload',
      async () => tamper(await withoutKid(current, valid())),
      'the token signature is invalid',
    ],
  ])('refuses a token %s', async (_label, token, reason) => {
    const verify = createJwtVerifier({ key: { jwksUrl: server.url } }, CLAIMS);
    expect(await outcome(verify, await token())).toBe(reason);
  });

  it('checks iss and aud on the key that verifies the signature too', async () => {
    const verify = createJwtVerifier(
      { key: { jwksUrl: server.url }, issuer: 'https://idp.example.com', audience: 'coins-gateway' },
      CLAIMS,
    );
    const good = { ...valid(), iss: 'https://idp.example.com', aud: 'coins-gateway' };
    expect(await outcome(verify, await withoutKid(current, good))).toBe('accepted');
    expect(await outcome(verify, await withoutKid(current, { ...good, iss: 'x' }))).toBe(
      "the token's iss is not accepted",
    );
    expect(await outcome(verify, await withoutKid(current, { ...good, aud: 'x' }))).toBe(
      "the token's aud is not accepted",
    );
  });

  it('accepts a token whose kid two published keys share, signed by the second', async () => {
    const first = await createSigningKey('ES256', 'shared');
    const second = await createSigningKey('ES256', 'shared');
    const sharing = await startJwksServer([first, second]);
    try {
      const verify = createJwtVerifier({ key: { jwksUrl: sharing.url } }, CLAIMS);
      expect(await outcome(verify, await signWith(second, valid()))).toBe('accepted');
    } finally {
      await sharing.close();
    }
  });

  it(`tries at most ${MAX_KEYS_TRIED_PER_TOKEN} keys: a token signed by the next one is refused`, async () => {
    const many = await Promise.all(
      Array.from({ length: MAX_KEYS_TRIED_PER_TOKEN + 1 }, (_, index) => createSigningKey('ES256', `ec-${index}`)),
    );
    const crowded = await startJwksServer(many);
    try {
      const verify = createJwtVerifier({ key: { jwksUrl: crowded.url } }, CLAIMS);
      const last = many[MAX_KEYS_TRIED_PER_TOKEN] as SigningKey;
      const withinBound = many[MAX_KEYS_TRIED_PER_TOKEN - 1] as SigningKey;
      expect(await outcome(verify, await withoutKid(withinBound, valid()))).toBe('accepted');
      expect(await outcome(verify, await withoutKid(last, valid()))).toBe('the token signature is invalid');
      // The same key is accepted when the token names it: the bound is only on guessing.
      expect(await outcome(verify, await signWith(last, valid()))).toBe('accepted');
    } finally {
      await crowded.close();
    }
  });
});

describe('describeKeySetFailure: why the key set could not be fetched, for the log', () => {
  const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

  it.each([
    ['a timeout', new errors.JWKSTimeout(), { reason: 'timeout' }],
    [
      'a DNS failure',
      fetchFailed(Object.assign(new Error('getaddrinfo ENOTFOUND idp.internal'), { code: 'ENOTFOUND' })),
      { reason: 'connection', code: 'ENOTFOUND' },
    ],
    [
      'a reset connection',
      fetchFailed(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })),
      { reason: 'connection', code: 'UND_ERR_SOCKET' },
    ],
    // fetch's own refusals (a "bad port" such as 9) carry no code.
    ['a failed fetch without a code', fetchFailed(new Error('bad port')), { reason: 'connection' }],
    // Only something shaped like an error code is logged, never text that could carry an address.
    [
      'a code that is not one',
      fetchFailed(Object.assign(new Error('x'), { code: 'connect 10.0.3.7:443' })),
      { reason: 'connection' },
    ],
  ])('%s', (_label, error, why) => {
    expect(describeKeySetFailure(error)).toEqual(why);
  });

  it.each([
    ['another TypeError', new TypeError('RS256 requires key modulusLength to be 2048 bits or larger')],
    ['a token jose cannot parse', new errors.JWSInvalid('Invalid Compact JWS')],
    ['an unknown kid', new errors.JWKSNoMatchingKey()],
    ['a plain Error', new Error('fetch failed')],
  ])('%s is not a key set that could not be fetched', (_label, error) => {
    expect(describeKeySetFailure(error)).toBeUndefined();
  });
});

/** The same token with one payload character changed. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  claims.companies = ['*'];
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
