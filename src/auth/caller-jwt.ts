import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import { callerFromClaims, InvalidClaimError, type ClaimNames, type TenantCaller } from './caller.js';

/** How caller JWTs are verified (from AUTH_JWT_* / AUTH_JWKS_URL, see src/config.ts). */
export interface JwtVerification {
  /** An HS256 shared secret (at least 32 bytes), or the URL of a JWKS endpoint. */
  key: { secret: Uint8Array } | { jwksUrl: string };
  /** Checked when set: the token's `iss` must equal it. */
  issuer?: string;
  /** Checked when set: the token's `aud` must be or contain it. */
  audience?: string;
}

/** Only these algorithms, never `none`: HS256 with a shared secret, asymmetric ones with a JWKS. */
const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/** Clock skew tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Keys tried for one token when several keys of the JWKS could have signed it (a token without
 * `kid`, during an identity provider's key rotation or from one that never sets `kid`). A JWKS
 * rarely holds more than 2-3 keys; the bound keeps a hostile token without `kid` from costing one
 * signature check per published key. A token that none of the first keys verifies is refused as
 * having an invalid signature, even if a later key would have verified it.
 */
export const MAX_KEYS_TRIED_PER_TOKEN = 4;

/**
 * Why the JWKS could not be fetched, for the operator (the jwks_unavailable log line; the caller
 * only learns that the keys could not be fetched). Never the URL: it may name an internal host.
 */
export type KeySetFailure =
  /** No complete answer within jose's 5 s. */
  | { reason: 'timeout' }
  /** No connection (refused, reset, DNS): `code` is Node's error code (ECONNREFUSED, ENOTFOUND, ...) when it gave one. */
  | { reason: 'connection'; code?: string }
  /** An answer other than 200 (a redirect included: it is not followed). */
  | { reason: 'http-status'; status: number }
  /** A 200 whose body could not be read as JSON. */
  | { reason: 'not-json' }
  /** JSON that is not a JWK Set. */
  | { reason: 'invalid-key-set' };

/** Why a token was refused: safe to tell the caller (it says nothing about the key). */
export class CallerTokenError extends Error {
  constructor(
    readonly reason: string,
    /** Set when the key set could not be fetched: the gateway's problem, logged as a warning. */
    readonly keySetFailure?: KeySetFailure,
  ) {
    super(reason);
    this.name = 'CallerTokenError';
  }
}

export interface JwtVerifierOptions {
  /** Minimum time between two JWKS fetches caused by unknown `kid`s. @default 30000 */
  jwksCooldownMs?: number;
}

/**
 * Verifies a compact JWS caller token and reads its claims. The algorithm allow-list is tied to
 * the kind of key, so an HS256 token can never be checked against a public key taken from the
 * JWKS (the classic alg-confusion attack), and `alg: none` is never accepted. `exp` is required:
 * a token without one would be valid forever.
 */
export function createJwtVerifier(
  verification: JwtVerification,
  claims: ClaimNames,
  options: JwtVerifierOptions = {},
): (token: string) => Promise<TenantCaller> {
  const { key } = verification;
  // createRemoteJWKSet caches the key set (10 min) and refetches on an unknown kid, at most
  // once per cooldown, so a flood of tokens with made-up kids cannot hammer the JWKS endpoint.
  const resolveKey: Uint8Array | JWTVerifyGetKey =
    'secret' in key
      ? key.secret
      : createRemoteJWKSet(new URL(key.jwksUrl), {
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          [customFetch]: fetchKeySet,
        });
  const verifyOptions: JWTVerifyOptions = {
    algorithms: 'secret' in key ? SECRET_ALGORITHMS : JWKS_ALGORITHMS,
    issuer: verification.issuer,
    audience: verification.audience,
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      // Two call forms only because jose's overloads keep a static key and a key resolver apart.
      const result =
        resolveKey instanceof Uint8Array
          ? await jwtVerify(token, resolveKey, verifyOptions)
          : await jwtVerify(token, resolveKey, verifyOptions).catch((error: unknown) => {
              if (error instanceof errors.JWKSMultipleMatchingKeys)
                return verifyWithEachKey(token, error, verifyOptions);
              throw error;
            });
      payload = result.payload;
    } catch (error) {
      throw describeFailure(error);
    }
    try {
      return callerFromClaims(payload, claims);
    } catch (error) {
      if (error instanceof InvalidClaimError)
        throw new CallerTokenError(`the token's ${error.claim} claim has the wrong type`);
      throw error;
    }
  };
}

/**
 * jose's documented remedy for several matching keys (JWKSMultipleMatchingKeys iterates over them):
 * try each with the same options; a wrong key fails the signature and the next one is tried; any
 * other verdict (an expired token, a wrong issuer) is the token's and is thrown as is. At most
 * MAX_KEYS_TRIED_PER_TOKEN keys are tried (the next one is not even imported).
 */
async function verifyWithEachKey(
  token: string,
  matching: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
): Promise<JWTVerifyResult> {
  let tried = 0;
  for await (const key of matching) {
    try {
      return await jwtVerify(token, key, options);
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
    }
    tried += 1;
    if (tried === MAX_KEYS_TRIED_PER_TOKEN) break;
  }
  throw new errors.JWSSignatureVerificationFailed();
}

/**
 * jose's error → a short reason for the client. Any other jose error is about the token and says
 * no more than "malformed". An error that is not jose's verdict (a bug of ours, or a key in the
 * JWKS that jose cannot use, which it reports with a TypeError) is returned as is: the
 * authenticator rethrows it, so the client gets a masked INTERNAL_SERVER_ERROR and the log the
 * cause, instead of a refusal that blames the token or the JWKS endpoint.
 */
function describeFailure(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return new CallerTokenError('the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new CallerTokenError('the token is not valid yet');
    if (error.reason === 'missing') return new CallerTokenError(`the token has no ${error.claim} claim`);
    if (error.claim === 'iss' || error.claim === 'aud')
      return new CallerTokenError(`the token's ${error.claim} is not accepted`);
    return new CallerTokenError(`the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new CallerTokenError("the token's algorithm is not accepted");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new CallerTokenError('the token signature is invalid');
  if (error instanceof errors.JWKSNoMatchingKey) return new CallerTokenError('the token is signed by an unknown key');
  const keySetFailure = describeKeySetFailure(error);
  if (keySetFailure) return new CallerTokenError('the signing keys could not be fetched', keySetFailure);
  if (error instanceof errors.JOSEError) return new CallerTokenError('the token is malformed');
  return error;
}

/** A JWKS answer other than 200, with its status (jose's own error for it does not carry one). */
class KeySetStatusError extends Error {
  constructor(readonly status: number) {
    super(`the JWKS endpoint answered HTTP ${status}`);
    this.name = 'KeySetStatusError';
  }
}

/**
 * jose's JWKS fetch with one change: an answer other than 200 rejects with its status, so the log
 * can name it; jose would reject it with a JOSEError whose message alone says "Expected 200 OK".
 * jose rethrows whatever its fetch rejects with (a TimeoutError becomes JWKSTimeout first).
 */
const fetchKeySet: FetchImplementation = async (url, init) => {
  const response = await fetch(url, init);
  if (response.status !== 200) {
    // The body is not read: release the connection instead of leaving it to the garbage collector.
    response.body?.cancel().catch(() => undefined);
    throw new KeySetStatusError(response.status);
  }
  return response;
};

/**
 * How jose 6 (src/jwks/remote.ts, with fetchKeySet) reports a JWKS it could not get: JWKSTimeout
 * after 5 s; KeySetStatusError for an answer that is not 200; a plain JOSEError (ERR_JOSE_GENERIC)
 * for a 200 whose body is not JSON; JWKSInvalid for JSON that is not a key set; and, for a network
 * failure (refused, reset, DNS), the TypeError Node's fetch rejects with, message "fetch failed",
 * the network error as its cause. Only that TypeError: jose throws TypeErrors for other reasons
 * too (an unusable key), and so would a bug. Anything else: undefined.
 */
export function describeKeySetFailure(error: unknown): KeySetFailure | undefined {
  if (error instanceof errors.JWKSTimeout) return { reason: 'timeout' };
  if (error instanceof KeySetStatusError) return { reason: 'http-status', status: error.status };
  if (error instanceof errors.JWKSInvalid) return { reason: 'invalid-key-set' };
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') return { reason: 'not-json' };
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const code = networkErrorCode(error.cause);
    return code === undefined ? { reason: 'connection' } : { reason: 'connection', code };
  }
  return undefined;
}

/**
 * The cause's `code` (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET, ...) when it looks like one. Never
 * its message: that names the host and port ("connect ECONNREFUSED 10.0.3.7:443").
 */
function networkErrorCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
}

/** The Bearer token of an Authorization header; undefined when there is none. */
export function bearerToken(authorization: string | null): string | undefined {
  if (authorization === null) return undefined;
  const match = /^bearer +(\S+) *$/i.exec(authorization);
  return match?.[1];
}
