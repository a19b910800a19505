// The token endpoint. Its answers are bare OAuth JSON (no coins envelope), as on the docs' token
// page. The lock-out after three consecutive bad logins is modelled because the docs warn about
// it: a client that retries a credential failure must be caught by the tests, not in production.
// The refresh grant, strict token checking, revocation and the request counter exist so that a
// client holding its own token (the gateway's service mode) can be tested end to end.

import { randomBytes } from 'node:crypto';
import { json } from './reply.js';
import type { Reply } from './reply.js';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export const DEFAULT_OAUTH_CLIENT: Readonly<OAuthClient> = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
  username: 'sandbox-user',
  password: 'sandbox-password',
};

const MAX_FAILED_LOGINS = 3;

export interface OAuthOptions {
  /** `expires_in` of issued access tokens. */
  tokenTtlSeconds: number;
  /**
   * Strict: coins routes accept only access tokens this server issued, not revoked and not expired.
   * Otherwise any non-empty bearer token is accepted (what `npm start`'s GraphiQL relies on).
   */
  strictTokens: boolean;
}

/** Token requests received, by `grant_type` (`other` = missing or unsupported), failures included. */
export interface TokenRequestCounts {
  password: number;
  refresh_token: number;
  other: number;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
}

export interface OAuthServer {
  /** Handles `POST /oauth/token` given the raw Authorization header and form body. */
  token(authorization: string | undefined, body: string): Reply;
  /** Whether a coins route accepts this Authorization header (see OAuthOptions.strictTokens). */
  isAuthorized(authorization: string | undefined): boolean;
  /** Revokes one access or refresh token; true when it was known. */
  revoke(token: string): boolean;
  /** Revokes every access and refresh token issued so far. */
  revokeAll(): void;
  readonly failedLogins: number;
  readonly locked: boolean;
  /** Access tokens issued, by either grant. */
  readonly tokensIssued: number;
  readonly tokenRequests: Readonly<TokenRequestCounts>;
  /** Every token pair issued since the last reset, oldest first (for tests: secrets to look for). */
  readonly issued: readonly IssuedToken[];
  /** Clears tokens, counters and the lock-out. */
  reset(): void;
}

const BAD_CREDENTIALS = json(401, { error: 'invalid_grant', error_description: 'Bad credentials' });
const LOCKED = json(401, {
  error: 'account_locked',
  error_description: `Account locked after ${MAX_FAILED_LOGINS} failed logins`,
});
const INVALID_REQUEST = json(400, { error: 'invalid_request' });
const INVALID_CLIENT = json(401, { error: 'invalid_client', error_description: 'Bad client credentials' });
const INVALID_REFRESH_TOKEN = json(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });

function parseBasic(authorization: string | undefined): { id: string; secret: string } | undefined {
  if (!authorization) return undefined;
  const match = /^basic\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function createOAuthServer(client: OAuthClient, options: OAuthOptions): OAuthServer {
  let failedLogins = 0;
  let tokensIssued = 0;
  let tokenRequests: TokenRequestCounts = { password: 0, refresh_token: 0, other: 0 };
  let issued: IssuedToken[] = [];
  /** Live access tokens → expiry (epoch ms). Checked in strict mode only. */
  const accessTokens = new Map<string, number>();
  /** Live refresh tokens. Like Spring's default, a refresh token is reused, not rotated. */
  const refreshTokens = new Set<string>();

  function clientAuthenticated(authorization: string | undefined): boolean {
    const basic = parseBasic(authorization);
    return basic !== undefined && basic.id === client.clientId && basic.secret === client.clientSecret;
  }

  function issue(refreshToken: string): Reply {
    const accessToken = newToken();
    tokensIssued += 1;
    refreshTokens.add(refreshToken);
    issued.push({ accessToken, refreshToken });
    accessTokens.set(accessToken, Date.now() + options.tokenTtlSeconds * 1000);
    return json(200, {
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: refreshToken,
      expires_in: options.tokenTtlSeconds,
      scope: 'read write trust',
    });
  }

  function passwordGrant(authorization: string | undefined, form: URLSearchParams): Reply {
    // Once locked, nothing gets through, not even correct credentials: that is what makes a
    // retrying client dangerous upstream.
    if (failedLogins >= MAX_FAILED_LOGINS) return LOCKED;
    const username = form.get('username');
    const password = form.get('password');
    const clientId = form.get('clientId');
    if (!username || !password || !clientId) return INVALID_REQUEST;
    // A missing or malformed Basic header is a credential failure, like a wrong secret.
    const valid =
      clientAuthenticated(authorization) &&
      clientId === client.clientId &&
      username === client.username &&
      password === client.password;
    if (!valid) {
      failedLogins += 1;
      return BAD_CREDENTIALS;
    }
    failedLogins = 0;
    return issue(newToken());
  }

  // Undocumented upstream; modelled on Spring Security OAuth2. A refused refresh is not counted
  // as a failed login here (whether EnKash counts it is unknown: the gateway assumes it might).
  function refreshGrant(authorization: string | undefined, form: URLSearchParams): Reply {
    if (failedLogins >= MAX_FAILED_LOGINS) return LOCKED;
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return INVALID_REQUEST;
    if (!clientAuthenticated(authorization)) return INVALID_CLIENT;
    if (!refreshTokens.has(refreshToken)) return INVALID_REFRESH_TOKEN;
    return issue(refreshToken);
  }

  return {
    token(authorization, body) {
      const form = new URLSearchParams(body);
      const grantType = form.get('grant_type');
      if (grantType === 'password') {
        tokenRequests.password += 1;
        return passwordGrant(authorization, form);
      }
      if (grantType === 'refresh_token') {
        tokenRequests.refresh_token += 1;
        return refreshGrant(authorization, form);
      }
      tokenRequests.other += 1;
      return failedLogins >= MAX_FAILED_LOGINS ? LOCKED : INVALID_REQUEST;
    },

    isAuthorized(authorization) {
      if (!authorization) return false;
      // "Bearer" is matched case-insensitively (RFC 6750 schemes are case-insensitive).
      if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return false;
      const token = authorization.slice(7).trim();
      if (token === '') return false;
      if (!options.strictTokens) return true;
      const expiresAt = accessTokens.get(token);
      if (expiresAt === undefined) return false;
      if (Date.now() >= expiresAt) {
        accessTokens.delete(token);
        return false;
      }
      return true;
    },

    revoke(token) {
      return accessTokens.delete(token) || refreshTokens.delete(token);
    },

    revokeAll() {
      accessTokens.clear();
      refreshTokens.clear();
    },

    get failedLogins() {
      return failedLogins;
    },
    get locked() {
      return failedLogins >= MAX_FAILED_LOGINS;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get issued() {
      return issued;
    },
    reset() {
      failedLogins = 0;
      tokensIssued = 0;
      tokenRequests = { password: 0, refresh_token: 0, other: 0 };
      issued = [];
      accessTokens.clear();
      refreshTokens.clear();
    },
  };
}
