import type { CallCredentials, CoinsClient } from './coins-client.js';
import { isUpstreamError, type UpstreamError } from './upstream-error.js';

/**
 * The upstream refused the credential: a 401 for a forwarded Authorization; in service mode, the
 * coins client already renewed the token and replayed once, so what reaches here is auth-failed.
 */
function isRefusal(error: unknown): error is UpstreamError {
  if (!isUpstreamError(error)) return false;
  return (error.reason === 'http-status' && error.answer?.status === 401) || error.reason === 'auth-failed';
}

/** The caller's header value, or the gateway's own token source (one per process). */
function credentialKey(credentials: CallCredentials): unknown {
  return 'authorization' in credentials ? credentials.authorization : credentials.serviceToken;
}

/**
 * The coins client for ONE GraphQL operation: once the upstream answered 401 for a credential,
 * no further call is made with it in this operation; those calls fail with that same error
 * (UNAUTHENTICATED; UPSTREAM_AUTH_FAILED in service mode) at once, without a log line each.
 * Calls already in flight when the 401 arrives still get their own answers, so an operation
 * makes at most COINS_API_BATCH_CONCURRENCY calls with a refused credential (a list's calls are
 * the only concurrent ones). Holding a list back until its first call proved the credential
 * would cut that to 1, at the price of one upstream round trip on every list, for every caller:
 * the wrong trade for a guard against bad tokens.
 */
export function createRefusedCredentialGuard(client: CoinsClient): CoinsClient {
  // Per operation there is normally one credential; a Map keeps the rule exact if there are more.
  let refused: Map<unknown, UpstreamError> | undefined;

  async function guarded<T>(credentials: CallCredentials, call: () => Promise<T>): Promise<T> {
    const earlier = refused?.get(credentialKey(credentials));
    if (earlier) throw earlier;
    try {
      return await call();
    } catch (error) {
      if (isRefusal(error)) {
        refused ??= new Map();
        refused.set(credentialKey(credentials), error);
      }
      throw error;
    }
  }

  return {
    createCoinConfig: (request, credentials) =>
      guarded(credentials, () => client.createCoinConfig(request, credentials)),
    getCoinConfig: (id, credentials) => guarded(credentials, () => client.getCoinConfig(id, credentials)),
    updateCoinConfig: (id, request, credentials) =>
      guarded(credentials, () => client.updateCoinConfig(id, request, credentials)),
    allocateCoins: (request, credentials) => guarded(credentials, () => client.allocateCoins(request, credentials)),
    getBalance: (userId, credentials) => guarded(credentials, () => client.getBalance(userId, credentials)),
  };
}
