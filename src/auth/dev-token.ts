import { SignJWT } from 'jose';
import { COINS_SCOPES, type ClaimNames } from './caller.js';

/**
 * The documented development secret for AUTH_JWT_SECRET. Public by definition, so the gateway
 * refuses to start with it unless it runs against the built-in sandbox (COINS_API_URL unset).
 */
export const DEV_JWT_SECRET = 'coins-gateway-sandbox-only-development-secret';

export interface DevTokenClaims {
  /** Companies the token may act for ("*" = every company). */
  companies: readonly string[];
  scopes: readonly string[];
  /** The caller's own userId (its user claim). */
  userId?: string;
  /** @default 3600 */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 caller JWT the way the gateway reads one (claim names as configured). */
export async function mintDevToken(secret: Uint8Array, claims: DevTokenClaims, names: ClaimNames): Promise<string> {
  const payload: Record<string, unknown> = {
    [names.company]: [...claims.companies],
    scope: claims.scopes.join(' '),
  };
  if (claims.userId !== undefined) payload[names.user] = claims.userId;
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 3600}s`);
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(secret);
}

/**
 * What GraphiQL is pre-filled with in sandbox mode: the docs' example company and user, every
 * scope. Valid 7 days: the GraphiQL page is built once per process, so the token in it must
 * outlive a working session (it only ever opens the sandbox's fake data).
 */
export const SANDBOX_DEV_CLAIMS: DevTokenClaims = Object.freeze({
  companies: ['CEKEKCARDS'],
  scopes: [...COINS_SCOPES],
  userId: 'EKQZVMQK',
  ttlSeconds: 7 * 24 * 3600,
});
