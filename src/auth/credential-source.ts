import type { CallCredentials } from '../upstream/coins-client.js';

/**
 * Where the upstream credential of a GraphQL request comes from. Today the caller's own
 * Authorization header is forwarded; server-held OAuth credentials (`/oauth/token`) can be
 * another implementation of this interface without touching resolvers.
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
