import type { CallCredentials } from '../upstream/coins-client.js';
import type { ServiceTokenSource } from '../upstream/oauth/service-token.js';

/**
 * Where the upstream credential of a GraphQL request comes from: the caller's own Authorization
 * header (forwarding mode), or the gateway's own EnKash token (service mode).
 */
export interface CredentialSource {
  /** undefined when there is nothing to present upstream (the field then fails UNAUTHENTICATED). */
  credentialsFor(request: Request): Promise<CallCredentials | undefined> | CallCredentials | undefined;
}

/** Forwards the caller's Authorization header verbatim; nothing else of the caller is forwarded. */
export function createForwardedAuthorization(): CredentialSource {
  return {
    credentialsFor(request) {
      const authorization = request.headers.get('authorization');
      if (authorization === null || authorization.trim() === '') return undefined;
      return { authorization };
    },
  };
}

/**
 * Service mode: every request acts with the gateway's own token; the caller's Authorization
 * header is never sent upstream. Who may use it is decided before this (caller authentication).
 */
export function createServiceTokenCredentials(serviceToken: ServiceTokenSource): CredentialSource {
  const credentials: CallCredentials = { serviceToken };
  return {
    credentialsFor: () => credentials,
  };
}
