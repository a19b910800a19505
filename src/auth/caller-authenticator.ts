import { unauthenticated } from '../errors/graphql-errors.js';
import type { Logger } from '../logging/logger.js';
import { PARTNER, type Caller, type TenantCaller } from './caller.js';
import { bearerToken, CallerTokenError } from './caller-jwt.js';

/** Establishes who is calling. Asked once per request, and only when a field needs it. */
export interface CallerAuthenticator {
  /**
   * The caller; throws (or rejects with) an UNAUTHENTICATED GraphQLError when there is none.
   * `scope`: the request's observability scope, whose log lines carry its requestId.
   */
  authenticate(request: Request, scope?: RequestLogScope): Caller | Promise<Caller>;
}

/** Where a refusal is logged: the request's own logger (read only when there is something to log). */
export interface RequestLogScope {
  readonly logger: Logger;
}

/** Forwarding mode and AUTH_DISABLED=true: every caller acts as the partner. Synchronous on purpose (hot path). */
export const UNRESTRICTED_CALLERS: CallerAuthenticator = { authenticate: () => PARTNER };

/**
 * Service mode with caller JWTs: the caller's `Authorization: Bearer <JWT>` is verified and read.
 * The token itself is never logged nor echoed; the reason for a refusal is.
 */
export function createJwtAuthenticator(
  verify: (token: string) => Promise<TenantCaller>,
  logger: Logger,
): CallerAuthenticator {
  return {
    async authenticate(request, scope) {
      const token = bearerToken(request.headers.get('authorization'));
      if (token === undefined) {
        throw unauthenticated(
          'Authentication required: send "Authorization: Bearer <token>" with a JWT issued for this gateway.',
        );
      }
      try {
        return await verify(token);
      } catch (error) {
        if (!(error instanceof CallerTokenError)) throw error;
        // The request's logger, so that the line carries its requestId like every line about a request.
        const log = (scope?.logger ?? logger).child({ component: 'caller-auth' });
        if (error.keySetFailure) {
          log.warn(
            { event: 'jwks_unavailable', ...error.keySetFailure, err: { message: error.message } },
            'caller JWT keys could not be fetched',
          );
        } else {
          log.debug({ event: 'caller_token_refused', reason: error.reason }, 'caller JWT refused');
        }
        throw unauthenticated(`Authentication failed: ${error.reason}.`);
      }
    },
  };
}
