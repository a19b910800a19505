import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import {
  missingQuery,
  persistedQueryHashMismatch,
  persistedQueryNotFound,
  persistedQueryOnly,
} from '../errors/graphql-errors.js';
import type { PersistedDocumentStore } from './document-store.js';
import { sha256Hex, type TrustedDocuments, type TrustedDocumentsMode } from './trusted-documents.js';

/** The request parameter of the GraphQL-over-HTTP persisted documents proposal (yoga must allow it). */
export const DOCUMENT_ID_PARAM = 'documentId';

export interface PersistedDocumentsOptions {
  mode: TrustedDocumentsMode;
  /** The manifest (TRUSTED_DOCUMENTS_FILE); undefined when the mode is off. */
  trusted: TrustedDocuments | undefined;
  /** Automatic persisted queries, registered by clients; not consulted when the mode is required. */
  store: PersistedDocumentStore;
}

/**
 * Trusted documents and automatic persisted queries, both answered in yoga's onParams, i.e.
 * before parsing, validation and any upstream call:
 * - a request names a document by `documentId` ("<sha256>" or "sha256:<sha256>", in the body
 *   or, for GET, the query string) or by `extensions.persistedQuery.sha256Hash` (Apollo);
 * - the id is looked up in the manifest, then (unless `required`) in the APQ store; unknown →
 *   PERSISTED_QUERY_NOT_FOUND;
 * - a request with a document and an id registers it in the APQ store once the id is verified
 *   to be its sha256 (Apollo's second request), unless `required`;
 * - with `required`, a request with a document is refused: PERSISTED_QUERY_ONLY.
 * yoga's plugin does the lookup and the refusal; registering is ours (it has no APQ writes).
 */
export function persistedDocumentPlugins(options: PersistedDocumentsOptions): Plugin[] {
  const { mode, trusted, store } = options;
  const automatic = mode !== 'required';
  const lookup = usePersistedOperations({
    allowArbitraryOperations: automatic,
    extractPersistedOperationId: requestedDocumentId,
    getPersistedOperation: (id) => {
      const document = trusted?.get(id) ?? (automatic ? store.get(id) : undefined);
      return document instanceof Promise ? document.then((found) => found ?? null) : (document ?? null);
    },
    customErrors: { notFound: persistedQueryNotFound, persistedQueryOnly, keyNotFound: missingQuery },
  }) as Plugin;
  return automatic ? [useAutomaticPersistedQueryRegistration(store), lookup] : [lookup];
}

function useAutomaticPersistedQueryRegistration(store: PersistedDocumentStore): Plugin {
  return {
    onParams({ params, request }) {
      if (typeof params.query !== 'string' || params.query === '') return;
      const id = requestedDocumentId(params, request);
      if (id === null) return;
      if (sha256Hex(params.query) !== id) throw persistedQueryHashMismatch();
      return store.set(id, params.query);
    },
  };
}

/** The document id a request names, without its "sha256:" prefix; null when it names none. */
function requestedDocumentId(params: GraphQLParams, request: Request): string | null {
  const fromBody = (params as GraphQLParams & { [DOCUMENT_ID_PARAM]?: unknown })[DOCUMENT_ID_PARAM];
  // yoga's GET parser keeps only query, variables, operationName and extensions.
  const documentId =
    fromBody ?? (request.method === 'GET' ? new URL(request.url).searchParams.get(DOCUMENT_ID_PARAM) : null);
  if (typeof documentId === 'string')
    return documentId.startsWith('sha256:') ? documentId.slice('sha256:'.length) : documentId;
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : null;
}
