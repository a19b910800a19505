import { unauthenticated } from '../errors/graphql-errors.js';
import type { Logger } from '../logging/logger.js';
import { PARTNER, type Caller, type TenantCaller } from './caller.js';
import { bearerToken, CallerTokenError } from './caller-jwt.js';

/** Establishes who is calling. Asked once per request, and only when a field needs it. */
export interface CallerAuthenticator {
  /** The caller; throws (or rejects with) an UNAUTHENTICATED GraphQLError when there is none. */
  authenticate(request: Request): Caller | Promise<Caller>;
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
  const log = logger.child({ component: 'caller-auth' });
  return {
    async authenticate(request) {
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
