import type { Logger } from '../../logging/logger.js';
import type { Deadline } from '../deadline.js';
import { UpstreamError, isUpstreamError } from '../upstream-error.js';
import type { SharedToken, SharedTokenState, SharedTokenView } from './shared-token-state.js';
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
  /**
   * True once the password grant was refused (here, or by any replica when REDIS_URL is set): no
   * token request is made again until an operator clears the record (`npm run oauth:clear`).
   */
  readonly credentialsRejected: boolean;
  /**
   * REDIS_URL only: compares this process with the shared record, in the background and at most
   * once a second: adopts a rejection another replica recorded, writes its own rejection if that
   * write failed before, and notices an operator's `npm run oauth:clear`. A no-op without Redis.
   */
  syncSharedRejection(): void;
}

/**
 * A token is renewed when this share of its lifetime is left, capped at MAX_RENEW_MARGIN_MS:
 * 30 s for EnKash's 300 s tokens (and for 86399 s ones), 0.2 s for a 2 s token in a test.
 */
const RENEW_MARGIN_FRACTION = 0.1;
const MAX_RENEW_MARGIN_MS = 30_000;
/** Waits after consecutive transient token-endpoint failures; the last one repeats. */
const TRANSIENT_BACKOFF_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

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
  /** REDIS_URL: one token, one token request at a time and one rejection record for all replicas. */
  shared?: SharedTokenState;
}

/** How often a replica waiting for another's token request looks at Redis again. */
const SHARED_POLL_MS = 50;
/** syncSharedRejection() reads Redis at most this often. */
const SHARED_SYNC_INTERVAL_MS = 1_000;

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
  const { endpoint, shared } = options;
  const logger = options.logger.child({ component: 'service-token' });
  let held: HeldToken | undefined;
  let renewing: Promise<HeldToken> | undefined;
  let rejected = false;
  /** When this process learned of the rejection, and whether Redis has it (shared mode). */
  let rejection:
    | { clearGeneration: number; recorded: boolean; status: number; oauthError: string | undefined }
    | undefined;
  /** The operators' clear counter as last read from Redis (a rejection is cleared when it grows). */
  let clearGeneration = 0;
  /** The access token the upstream answered 401 to: a copy of it in Redis is not reused. */
  let discarded: string | undefined;
  let lastSync = 0;
  let syncing = false;
  let consecutiveFailures = 0;
  let lastFailure: { error: unknown; retryAt: number } | undefined;

  async function accessToken(deadline: Deadline): Promise<string> {
    if (rejected) {
      syncSharedRejection();
      throw credentialsRejected();
    }
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
    if (shared) {
      const fromShared = await renewShared(shared);
      if (fromShared !== undefined) return fromShared;
      // Redis unavailable: this process asks on its own, exactly as without Redis.
    }
    return renewHere();
  }

  /**
   * Shared mode: a token another replica stored is used as is; otherwise one replica (the lock's
   * holder) makes the token request and stores the result, while the others poll Redis for it.
   * The lock expires on its own if its holder dies. undefined: Redis is unavailable.
   */
  async function renewShared(state: SharedTokenState): Promise<HeldToken | undefined> {
    const giveUpAt = Date.now() + state.lockTtlMs + SHARED_POLL_MS;
    for (;;) {
      const view = await readShared(state);
      if (view === undefined) return undefined;
      if (view.rejected) throw adoptSharedRejection();
      if (view.token !== undefined && isFresh(view.token)) return adopt(view.token);
      const lock = await state.tryLock();
      if (lock === undefined) return undefined;
      if (lock !== 'busy') {
        try {
          // Read again under the lock: the previous holder may have stored a token just now.
          const current = await readShared(state);
          if (current?.rejected) throw adoptSharedRejection();
          const stored = current?.token;
          if (stored !== undefined && isFresh(stored)) return adopt(stored);
          // A stored token due for renewal still brings its refresh token.
          if (stored !== undefined && held?.refreshToken === undefined) {
            held = { ...stored, accessToken: stored.accessToken === discarded ? undefined : stored.accessToken };
          }
          const renewed = await renewHere();
          if (renewed.accessToken !== undefined) await state.write(renewed as SharedToken);
          return renewed;
        } catch (error) {
          // Recorded before the lock is released, so a waiting replica sees it and never asks.
          if (rejected && rejection && !rejection.recorded) rejection.recorded = await recordRejection(state);
          throw error;
        } finally {
          await lock.release();
        }
      }
      if (Date.now() >= giveUpAt) {
        throw new UpstreamError({ reason: 'timeout', detail: "another replica's token request did not finish" });
      }
      await new Promise((resolve) => setTimeout(resolve, SHARED_POLL_MS));
    }
  }

  /** The shared view; remembers the operators' clear counter it carries. undefined: Redis is unavailable. */
  async function readShared(state: SharedTokenState): Promise<SharedTokenView | undefined> {
    const view = await state.read();
    if (view !== undefined) clearGeneration = view.clearGeneration;
    return view;
  }

  /** Usable now and not due for renewal, and not the token the upstream answered 401 to. */
  function isFresh(token: SharedToken): boolean {
    return token.accessToken !== discarded && Date.now() < token.renewAt;
  }

  function adopt(token: SharedToken): HeldToken {
    held = { ...token };
    consecutiveFailures = 0;
    lastFailure = undefined;
    return held;
  }

  function adoptSharedRejection(): UpstreamError {
    if (!rejected) {
      rejected = true;
      held = undefined;
      rejection = { clearGeneration, recorded: true, status: 0, oauthError: undefined };
      logger.error(
        { event: 'service_credentials_rejected', source: 'shared' },
        'the coins API rejected these service credentials earlier (recorded in Redis by a replica): no token ' +
          'request will be made; fix the credentials, or run npm run oauth:clear once they are known to work',
      );
    }
    return credentialsRejected();
  }

  function recordRejection(state: SharedTokenState): Promise<boolean> {
    return state.markRejected({ status: rejection?.status ?? 0, oauthError: rejection?.oauthError });
  }

  function syncSharedRejection(): void {
    if (!shared || syncing || Date.now() - lastSync < SHARED_SYNC_INTERVAL_MS) return;
    lastSync = Date.now();
    syncing = true;
    const state = shared;
    void (async () => {
      if (rejected && rejection && !rejection.recorded) {
        rejection.recorded = await recordRejection(state);
        return;
      }
      const view = await readShared(state);
      if (view === undefined) return;
      if (view.rejected) {
        adoptSharedRejection();
        return;
      }
      if (!rejected || !rejection) return;
      if (view.clearGeneration > rejection.clearGeneration) {
        rejected = false;
        rejection = undefined;
        consecutiveFailures = 0;
        lastFailure = undefined;
        logger.warn(
          { event: 'service_credentials_cleared' },
          'the rejection of the service credentials was cleared (npm run oauth:clear): the next operation makes one token request',
        );
      } else {
        // Gone without an operator's clear (Redis lost its data): write it again.
        rejection.recorded = await recordRejection(state);
      }
    })().finally(() => {
      syncing = false;
    });
  }

  async function renewHere(): Promise<HeldToken> {
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
      rejection = { clearGeneration, recorded: false, status: error.status, oauthError: error.oauthError };
      logger.error(
        {
          event: 'service_credentials_rejected',
          source: 'token-endpoint',
          status: error.status,
          oauthError: error.oauthError,
        },
        'the coins API rejected the service credentials (COINS_OAUTH_*): no token request will be made again ' +
          '(EnKash locks the account after 3 failed logins); fix the credentials and restart the gateway',
      );
      throw credentialsRejected();
    }
  }

  return {
    accessToken,
    discard(accessToken) {
      discarded = accessToken;
      if (held?.accessToken === accessToken) held = { ...held, accessToken: undefined, renewAt: 0, expiresAt: 0 };
    },
    get credentialsRejected() {
      return rejected;
    },
    syncSharedRejection,
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
