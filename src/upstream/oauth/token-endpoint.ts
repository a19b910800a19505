import { z } from 'zod';
import { createDeadline, type Deadline } from '../deadline.js';
import type { HttpTransport } from '../http-transport.js';
import { UpstreamError } from '../upstream-error.js';
import {
  NO_OBSERVER,
  failedAttemptResult,
  observeAttempt,
  type AttemptResult,
  type UpstreamObserver,
} from '../upstream-observer.js';

/** The partner's EnKash OAuth credentials (the token endpoint's only input besides a grant). */
export interface OAuthCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

/** A successful grant, as the token endpoint answered it. */
export interface TokenGrant {
  accessToken: string;
  /** Absent when the endpoint gave none: renewal then uses the password grant. */
  refreshToken: string | undefined;
  expiresInSeconds: number;
}

export type GrantType = 'password' | 'refresh_token';

/**
 * The token endpoint refused the grant itself (HTTP 400/401/403): for the password grant that is a
 * failed login, and EnKash locks the account after three. Never retried by the caller.
 */
export class TokenRefusedError extends Error {
  constructor(
    readonly grant: GrantType,
    readonly status: number,
    /** The OAuth `error` field (e.g. `invalid_grant`): a fixed vocabulary, safe to log. */
    readonly oauthError: string | undefined,
  ) {
    super(`token endpoint refused the ${grant} grant (HTTP ${status}${oauthError ? ` ${oauthError}` : ''})`);
    this.name = 'TokenRefusedError';
  }
}

export interface TokenEndpoint {
  /** Throws TokenRefusedError when refused, UpstreamError when the endpoint failed otherwise. */
  request(grant: { type: 'password' } | { type: 'refresh_token'; refreshToken: string }): Promise<TokenGrant>;
}

export interface TokenEndpointOptions {
  /** A transport whose base URL is the token URL's origin (its own small pool). */
  transport: HttpTransport;
  /** The token URL's path, e.g. `/oauth/token`. */
  path: string;
  credentials: OAuthCredentials;
  /** Deadline of one token request. */
  timeoutMs: number;
  /** Sees each request as an `oauth-token` attempt (metrics, span, traceparent). @default NO_OBSERVER */
  observer?: UpstreamObserver;
  /** Told of every token request: its grant, and `success`, `refused` or the failure reason. @default nobody */
  onTokenRequest?: (grant: GrantType, outcome: string) => void;
}

/**
 * Statuses that refuse the credentials or the grant. 400/401 is what EnKash documents (OAuth2
 * JSON errors); 403 is counted too: should it mean "bad credentials", repeating it would lock the
 * account, and failing closed only costs a restart.
 */
const REFUSED_STATUSES = new Set([400, 401, 403]);

/** The documented answer. `expires_in` may be missing: the docs then promise 5 minutes. */
const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().finite().optional(),
});
const DEFAULT_EXPIRES_IN_SECONDS = 300;

const OAuthErrorSchema = z.object({ error: z.string().regex(/^[\x20-\x7e]{1,64}$/) });

/** One token request as EnKash documents it; no retries here (the token manager decides). */
export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpoint {
  const { credentials } = options;
  const basic = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64')}`;

  return {
    async request(grant) {
      const form =
        grant.type === 'password'
          ? new URLSearchParams({
              grant_type: 'password',
              username: credentials.username,
              password: credentials.password,
              clientId: credentials.clientId,
            })
          : new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken });
      const deadline = createDeadline(options.timeoutMs);
      try {
        const answered = await observeAttempt(
          options.observer ?? NO_OBSERVER,
          { endpoint: 'oauth-token', method: 'POST', route: options.path, attempt: 1 },
          (extraHeaders) => send(grant.type, form, extraHeaders, deadline),
          ({ status }) => ({ status, outcome: 'success' }),
          tokenAttemptResult,
        );
        options.onTokenRequest?.(grant.type, 'success');
        return answered.grant;
      } catch (error) {
        options.onTokenRequest?.(
          grant.type,
          error instanceof TokenRefusedError ? 'refused' : failedAttemptResult(error).outcome,
        );
        throw error;
      } finally {
        deadline.dispose();
      }
    },
  };

  async function send(
    grantType: GrantType,
    form: URLSearchParams,
    extraHeaders: Readonly<Record<string, string>>,
    deadline: Deadline,
  ): Promise<{ status: number; grant: TokenGrant }> {
    const response = await options.transport.send({
      method: 'POST',
      path: options.path,
      headers: {
        ...extraHeaders,
        accept: 'application/json',
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
      deadline,
    });
    const answer = { status: response.status };
    if (REFUSED_STATUSES.has(response.status)) {
      throw new TokenRefusedError(grantType, response.status, oauthErrorOf(response.body));
    }
    // Never the body in a detail: a misbehaving endpoint might echo the form back.
    if (response.status >= 500 || response.status === 429) {
      throw new UpstreamError({ reason: 'http-status', answer, detail: `token endpoint HTTP ${response.status}` });
    }
    if (response.status < 200 || response.status > 299) {
      // A 404 or a redirect here is a wrong COINS_OAUTH_TOKEN_URL, not the caller's NOT_FOUND.
      throw new UpstreamError({ reason: 'bad-response', answer, detail: `token endpoint HTTP ${response.status}` });
    }
    const parsed = TokenResponseSchema.safeParse(parseJson(response.body));
    if (!parsed.success) {
      throw new UpstreamError({ reason: 'bad-response', answer, detail: 'token endpoint answer is not a token' });
    }
    return {
      status: response.status,
      grant: {
        accessToken: parsed.data.access_token,
        refreshToken: parsed.data.refresh_token,
        expiresInSeconds: parsed.data.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS,
      },
    };
  }
}

/** A refused grant is an HTTP 400/401/403 answer like any other, for the attempt metrics. */
function tokenAttemptResult(error: unknown): AttemptResult {
  return error instanceof TokenRefusedError
    ? { status: error.status, outcome: 'http-status' }
    : failedAttemptResult(error);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function oauthErrorOf(body: string): string | undefined {
  const parsed = OAuthErrorSchema.safeParse(parseJson(body));
  return parsed.success ? parsed.data.error : undefined;
}
