/**
 * The closed list of `extensions.code` values this gateway sends. Clients switch on these:
 * adding one is a contract change, renaming one is a breaking change.
 */
export const ErrorCode = {
  /** Gateway validation failed, or the upstream answered 400/422. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** No Authorization to send upstream, or the upstream answered 401. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The upstream answered 403. */
  FORBIDDEN: 'FORBIDDEN',
  /** The upstream answered 404 for a mutation's target (reads by id return null instead). */
  NOT_FOUND: 'NOT_FOUND',
  /** HTTP 2xx with a non-zero response code: the upstream refused for a business reason. */
  UPSTREAM_REJECTED: 'UPSTREAM_REJECTED',
  /** The upstream answered 429, or a gateway rate limit (per caller, or partner-wide) was reached. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** No complete upstream response within the deadline. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** Upstream 5xx, connection refused or reset, or the circuit breaker is open. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /**
   * Service mode: EnKash refused the gateway's own credentials (token grant refused, or a 401
   * again with a renewed token). An operator must act; repeating the request does not help.
   */
  UPSTREAM_AUTH_FAILED: 'UPSTREAM_AUTH_FAILED',
  /** Not JSON, empty, too large, or not the documented envelope/payload. */
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  /** The HTTP request is not a GraphQL request: invalid JSON, no query, bad Content-Length. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A POST body that is not JSON (a form, multipart or text/plain body: what a cross-site form sends). HTTP 415. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The request body is over the gateway's limit (1 MiB). */
  REQUEST_ENTITY_TOO_LARGE: 'REQUEST_ENTITY_TOO_LARGE',
  /** The GraphQL document could not be parsed. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The GraphQL document is not valid against the schema. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** The operation may need more upstream calls than MAX_UPSTREAM_CALLS_PER_OPERATION; nothing was called. */
  OPERATION_TOO_COMPLEX: 'OPERATION_TOO_COMPLEX',
  /** The response would be larger than the gateway sends (1 MiB); it was replaced by this error. */
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  /** graphql-yoga's: the request names no operation of the document, or must name one and does not. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** The gateway is shutting down (HTTP 503, `connection: close`): send again, on a new connection. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** A document id (documentId or persistedQuery.sha256Hash) the gateway does not know: send the document. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** A full document sent while TRUSTED_DOCUMENTS=required: only ids from the manifest run. */
  PERSISTED_QUERY_ONLY: 'PERSISTED_QUERY_ONLY',
  /** Anything else; the message is masked and the details go to the server log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose operation may succeed if sent again unchanged (for allocateCoins: same requestId). */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.UPSTREAM_TIMEOUT,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.RATE_LIMITED,
  ErrorCode.SHUTTING_DOWN,
]);
