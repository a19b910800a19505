// The token endpoint. Its answers are bare OAuth JSON (no coins envelope), as on the docs' token
// page. The lock-out after three consecutive bad logins is modelled because the docs warn about
// it: a client that retries a credential failure must be caught by the tests, not in production.

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

export const MAX_FAILED_LOGINS = 3;

export interface OAuthServer {
  /** Handles `POST /oauth/token` given the raw Authorization header and form body. */
  token(authorization: string | undefined, body: string): Reply;
  /** Sandbox mode: any non-empty bearer token is accepted, issued or not. */
  isAuthorized(authorization: string | undefined): boolean;
  readonly failedLogins: number;
  readonly locked: boolean;
  readonly tokensIssued: number;
  reset(): void;
}

const BAD_CREDENTIALS = json(401, { error: 'invalid_grant', error_description: 'Bad credentials' });
const LOCKED = json(401, {
  error: 'account_locked',
  error_description: `Account locked after ${MAX_FAILED_LOGINS} failed logins`,
});
const INVALID_REQUEST = json(400, { error: 'invalid_request' });

function parseBasic(authorization: string | undefined): { id: string; secret: string } | undefined {
  if (!authorization) return undefined;
  const match = /^basic\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function createOAuthServer(client: OAuthClient, tokenTtlSeconds: number): OAuthServer {
  let failedLogins = 0;
  let tokensIssued = 0;

  return {
    token(authorization, body) {
      // Once locked, nothing gets through, not even correct credentials: that is what makes a
      // retrying client dangerous upstream.
      if (failedLogins >= MAX_FAILED_LOGINS) return LOCKED;
      const form = new URLSearchParams(body);
      const username = form.get('username');
      const password = form.get('password');
      const clientId = form.get('clientId');
      if (!username || !password || !clientId || form.get('grant_type') !== 'password') return INVALID_REQUEST;
      // A missing or malformed Basic header is a credential failure, like a wrong secret.
      const basic = parseBasic(authorization);
      const valid =
        basic !== undefined &&
        basic.id === client.clientId &&
        basic.secret === client.clientSecret &&
        clientId === client.clientId &&
        username === client.username &&
        password === client.password;
      if (!valid) {
        failedLogins += 1;
        return BAD_CREDENTIALS;
      }
      failedLogins = 0;
      tokensIssued += 1;
      return json(200, {
        access_token: randomBytes(24).toString('base64url'),
        token_type: 'bearer',
        refresh_token: randomBytes(24).toString('base64url'),
        expires_in: tokenTtlSeconds,
        scope: 'read write trust',
      });
    },

    isAuthorized(authorization) {
      if (!authorization) return false;
      // "Bearer" is matched case-insensitively (RFC 6750 schemes are case-insensitive).
      if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return false;
      return authorization.slice(7).trim() !== '';
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
    reset() {
      failedLogins = 0;
      tokensIssued = 0;
    },
  };
}
