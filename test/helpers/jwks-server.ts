import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** An identity provider's signing key: its private half signs, its public half is served as JWK. */
export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function createSigningKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const pair = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  );
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey: pair.privateKey, publicJwk };
}

export async function signWith(
  key: SigningKey,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/**
 * An RSA key of 1024 bits, which jose refuses to use (with a TypeError, not a JOSEError): an
 * identity provider publishing a key the gateway cannot use. Its tokens are signed with node:crypto,
 * since jose will not sign with it either.
 */
export function createWeakRsaKey(kid: string): { publicJwk: JWK; sign(payload: JWTPayload): string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    sign(payload) {
      const signingInput = `${encode({ alg: 'RS256', kid })}.${encode(payload)}`;
      return `${signingInput}.${sign('sha256', Buffer.from(signingInput), pair.privateKey).toString('base64url')}`;
    },
  };
}

/** A JWKS endpoint on loopback: serves the keys it is given, counts the fetches. */
export interface JwksServer {
  url: string;
  keys: SigningKey[];
  /** When set, answered instead of the key set (a broken identity provider). */
  answer: { status: number; body: string } | undefined;
  fetches: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: SigningKey[]): Promise<JwksServer> {
  const state: { keys: SigningKey[]; answer: JwksServer['answer']; fetches: number } = {
    keys,
    answer: undefined,
    fetches: 0,
  };
  const server: Server = createServer((_req, res) => {
    state.fetches += 1;
    const { status, body } = state.answer ?? {
      status: 200,
      body: JSON.stringify({ keys: state.keys.map((key) => key.publicJwk) }),
    };
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(next) {
      state.keys = next;
    },
    get answer() {
      return state.answer;
    },
    set answer(next) {
      state.answer = next;
    },
    get fetches() {
      return state.fetches;
    },
    set fetches(next) {
      state.fetches = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A JWKS URL on a loopback port nobody listens on (taken, then released): a connection to it is
 * refused. Not port 9 or the like: fetch refuses those "bad ports" itself, without connecting.
 */
export async function refusingJwksUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

/** An HS256 caller token signed with `secret`. */
export async function signHs256(
  secret: string | Uint8Array,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...header }).sign(key);
}

/** An unsigned token (`alg: none`), as an attacker would hand-craft it. */
export function unsignedToken(payload: JWTPayload): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
