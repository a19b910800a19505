import type { Logger } from '../../logging/logger.js';
import type { Deadline } from '../deadline.js';
import { UpstreamError, isUpstreamError } from '../upstream-error.js';
import { TokenRefusedError, type GrantType, type TokenEndpoint, type TokenGrant } from './token-endpoint.js';

/** What an upstream call needs from a gateway-held token. */
export interface ServiceTokenSource {
  /**
   * A usable access token, waiting (at most until the deadline) for a token request under way.
   * Throws UpstreamError: `auth-failed` once the credentials were rejected, otherwise the token
   * endpoint's transient failure (`timeout`, `connection`, `http-status` 5xx, `bad-response`).
   */
  accessToken(deadline: Deadline): Promise<string>;
  /** The upstream answered 401 to this token: never hand it out again (a no-op if already replaced). */
  discard(accessToken: string): void;
}

export interface ServiceTokenManager extends ServiceTokenSource {
  /** True once the password grant was refused: no token request will ever be made again. */
  readonly credentialsRejected: boolean;
}

/**
 * A token is renewed when this share of its lifetime is left, capped at MAX_RENEW_MARGIN_MS:
 * 30 s for EnKash's 300 s tokens (and for 86399 s ones), 0.2 s for a 2 s token in a test.
 */
export const RENEW_MARGIN_FRACTION = 0.1;
export const MAX_RENEW_MARGIN_MS = 30_000;
/** Waits after consecutive transient token-endpoint failures; the last one repeats. */
export const TRANSIENT_BACKOFF_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

interface HeldToken {
  /** undefined after a 401: only the refresh token is left to use. */
  accessToken: string | undefined;
  refreshToken: string | undefined;
  renewAt: number;
  expiresAt: number;
}

export interface ServiceTokenManagerOptions {
  endpoint: TokenEndpoint;
  logger: Logger;
}

/**
 * Holds the gateway's EnKash access token. The rules, each because of an upstream fact:
 * - one token request at a time (single flight): concurrent operations share it;
 * - renewed before `expires_in` runs out, with the refresh grant when a refresh token was given;
 *   a refused refresh falls back to ONE password grant (whether EnKash counts a refused refresh as
 *   a failed login is unknown, so nothing more is risked);
 * - a refused password grant is never repeated: EnKash locks the account after three failed
 *   logins, which would take every integration of the partner down, not just this gateway;
 * - a transient failure (connection, timeout, 5xx, garbage) waits a backoff before the next
 *   token request; operations meanwhile fail fast with that failure (or keep using a token that
 *   is still valid).
 */
export function createServiceTokenManager(options: ServiceTokenManagerOptions): ServiceTokenManager {
  const { endpoint } = options;
  const logger = options.logger.child({ component: 'service-token' });
  let held: HeldToken | undefined;
  let renewing: Promise<HeldToken> | undefined;
  let rejected = false;
  let consecutiveFailures = 0;
  let lastFailure: { error: unknown; retryAt: number } | undefined;

  async function accessToken(deadline: Deadline): Promise<string> {
    if (rejected) throw credentialsRejected();
    const now = Date.now();
    if (held?.accessToken !== undefined && now < held.renewAt) return held.accessToken;
    const stillValid = held?.accessToken !== undefined && now < held.expiresAt ? held.accessToken : undefined;
    if (renewing === undefined && lastFailure !== undefined && now < lastFailure.retryAt) {
      if (stillValid !== undefined) return stillValid;
      throw lastFailure.error;
    }
    renewing ??= startRenewal();
    try {
      const renewed = await untilDeadline(renewing, deadline);
      return renewed.accessToken as string;
    } catch (error) {
      // A renewal that failed transiently does not take away a token that still works.
      if (
        stillValid !== undefined &&
        !rejected &&
        Date.now() < (held?.expiresAt ?? 0) &&
        held?.accessToken === stillValid
      ) {
        return stillValid;
      }
      throw error;
    }
  }

  function startRenewal(): Promise<HeldToken> {
    const promise = renew().finally(() => {
      renewing = undefined;
    });
    // Every waiting operation may have given up (deadline): the outcome is still recorded.
    promise.catch(() => undefined);
    return promise;
  }

  async function renew(): Promise<HeldToken> {
    const sentAt = Date.now();
    const refreshToken = held?.refreshToken;
    let grantType: GrantType = refreshToken === undefined ? 'password' : 'refresh_token';
    try {
      let grant: TokenGrant;
      if (refreshToken === undefined) {
        grant = await passwordGrant();
      } else {
        try {
          grant = await endpoint.request({ type: 'refresh_token', refreshToken });
        } catch (error) {
          if (!(error instanceof TokenRefusedError)) throw error;
          logger.warn(
            { event: 'service_token_refresh_refused', status: error.status, oauthError: error.oauthError },
            'the token endpoint refused the refresh token; falling back to one password grant',
          );
          held = undefined;
          grantType = 'password';
          grant = await passwordGrant();
        }
      }
      consecutiveFailures = 0;
      lastFailure = undefined;
      held = heldFrom(grant, sentAt);
      logger.debug(
        { event: 'service_token_obtained', grant: grantType, expiresInSeconds: grant.expiresInSeconds },
        'service token obtained',
      );
      return held;
    } catch (error) {
      if (rejected) throw error;
      const waitMs = TRANSIENT_BACKOFF_MS[Math.min(consecutiveFailures, TRANSIENT_BACKOFF_MS.length - 1)] as number;
      consecutiveFailures += 1;
      lastFailure = { error, retryAt: Date.now() + waitMs };
      logger.warn(
        {
          event: 'service_token_request_failed',
          grant: grantType,
          consecutiveFailures,
          retryInMs: waitMs,
          ...(isUpstreamError(error)
            ? { reason: error.reason, upstream: error.answer, detail: error.detail }
            : { reason: 'unexpected', detail: String(error) }),
        },
        'service token request failed; the next one waits for the backoff',
      );
      throw error;
    }
  }

  async function passwordGrant(): Promise<TokenGrant> {
    try {
      return await endpoint.request({ type: 'password' });
    } catch (error) {
      if (!(error instanceof TokenRefusedError)) throw error;
      rejected = true;
      held = undefined;
      logger.error(
        { event: 'service_credentials_rejected', status: error.status, oauthError: error.oauthError },
        'the coins API rejected the service credentials (COINS_OAUTH_*): no token request will be made again ' +
          '(EnKash locks the account after 3 failed logins); fix the credentials and restart the gateway',
      );
      throw credentialsRejected();
    }
  }

  return {
    accessToken,
    discard(accessToken) {
      if (held?.accessToken === accessToken) held = { ...held, accessToken: undefined, renewAt: 0, expiresAt: 0 };
    },
    get credentialsRejected() {
      return rejected;
    },
  };
}

function heldFrom(grant: TokenGrant, sentAt: number): HeldToken {
  // Counted from when the request was sent: the token's clock started no earlier than that.
  const lifetimeMs = grant.expiresInSeconds * 1000;
  const margin = Math.min(MAX_RENEW_MARGIN_MS, lifetimeMs * RENEW_MARGIN_FRACTION);
  return {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    renewAt: sentAt + lifetimeMs - margin,
    expiresAt: sentAt + lifetimeMs,
  };
}

function credentialsRejected(): UpstreamError {
  return new UpstreamError({
    reason: 'auth-failed',
    detail: 'service credentials were rejected by the token endpoint',
  });
}

/** Waits for a shared promise, but never past this caller's own deadline. */
function untilDeadline<T>(promise: Promise<T>, deadline: Deadline): Promise<T> {
  if (deadline.expired) {
    return Promise.reject(
      new UpstreamError({ reason: 'timeout', detail: 'deadline exceeded waiting for a service token' }),
    );
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new UpstreamError({ reason: 'timeout', detail: 'deadline exceeded waiting for a service token' }));
    deadline.signal.once('abort', onAbort);
    promise.then(
      (value) => {
        deadline.signal.off('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        deadline.signal.off('abort', onAbort);
        reject(error);
      },
    );
  });
}
