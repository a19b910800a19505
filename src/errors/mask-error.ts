import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { isUpstreamError } from '../upstream/upstream-error.js';
import { ErrorCode } from './error-codes.js';
import { upstreamToGraphQLError } from './upstream-to-graphql.js';

/**
 * The last step every error takes before reaching a client:
 * - an UpstreamError becomes its GraphQL error (code, retryable, upstream), keeping path/locations;
 * - a GraphQLError we raised on purpose (validation, authentication) passes as is;
 * - anything else is masked as INTERNAL_SERVER_ERROR; its original is kept for the request's log.
 */
export function createMaskError() {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isUpstreamError(original)) {
      const mapped = upstreamToGraphQLError(original);
      return error instanceof GraphQLError ? placedAs(error, mapped.message, mapped.extensions) : mapped;
    }
    if (error instanceof GraphQLError && isDocumentError(error)) return asDocumentError(error);
    if (error instanceof GraphQLError && isRequestError(error)) return asPlainRequestError(error);
    // isDev false, always: yoga's default (NODE_ENV=development) copies the original error and its
    // stack into the response's extensions, and NODE_ENV is not a setting of ours to expose internals.
    const masked = yogaMaskError(isUncodedExecutionError(error) ? asUnexpected(error) : error, message, false);
    if (masked !== error) {
      unexpectedErrors.set(masked, { path: error instanceof GraphQLError ? error.path : undefined, cause: original });
    }
    return masked;
  };
}

/**
 * graphql-js's own errors while it executes (a value a scalar cannot serialize, such as an Int
 * beyond 32 bits) are GraphQLErrors at a path without a code, and yoga passes any GraphQLError on
 * as it is. Every error we raise on purpose has a code, so one without is unexpected: masked and
 * logged like any other.
 */
function isUncodedExecutionError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.path !== undefined && error.extensions.code === undefined;
}

/** The same error, placed where it was, with its cause kept as a plain Error (so yoga masks it). */
function asUnexpected(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: new Error(error.message),
  });
}

/**
 * A GraphQLError is immutable: another message or other extensions make a new error, placed
 * where `error` was (its locations in the document, its path in the response).
 */
function placedAs(error: GraphQLError, message: string, extensions: GraphQLErrorExtensions): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/**
 * What was masked, for the server log. The log line is written by the request's observability
 * (src/observability/use-observability.ts), where the request id is known; maskError is not told
 * which request it serves.
 */
const unexpectedErrors = new WeakMap<object, UnexpectedErrorDetails>();

export interface UnexpectedErrorDetails {
  path: readonly (string | number)[] | undefined;
  cause: unknown;
}

/** The original of an error masked as INTERNAL_SERVER_ERROR; undefined for any other error. */
export function unexpectedErrorDetails(error: object): UnexpectedErrorDetails | undefined {
  return unexpectedErrors.get(error);
}

/**
 * The GraphQL-over-HTTP spec's request errors for a well-formed request: the document does not
 * parse or validate, names no runnable operation, or its variables do not coerce (and our
 * persisted-document answers). With `Accept: application/json` the spec says such a response
 * SHOULD be 200, with `application/graphql-response+json` 4xx: yoga decides that from
 * `http.spec`, so these keep (or get) `spec: true` with their 4xx.
 */
const DOCUMENT_ERROR_CODES: ReadonlySet<unknown> = new Set<ErrorCode>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ErrorCode.PERSISTED_QUERY_ONLY,
]);

function isDocumentError(error: GraphQLError): boolean {
  return error.path === undefined && DOCUMENT_ERROR_CODES.has(error.extensions.code);
}

function asDocumentError(error: GraphQLError): GraphQLError {
  const { originalError: _internal, http, ...extensions } = error.extensions;
  return placedAs(error, error.message, { ...extensions, http: { ...http, spec: true, status: http?.status ?? 400 } });
}

/** yoga's errors about the HTTP request itself (invalid JSON body, no query, ...). */
function isRequestError(error: GraphQLError): boolean {
  return error.extensions.http?.spec === true && error.path === undefined;
}

/**
 * A malformed request (not JSON, no query string) is answered 400 whatever the Accept header
 * (yoga would answer 200 to `application/json` clients; the spec's 200 is only for well-formed
 * requests), and without the parser's exception that yoga copies into extensions.originalError:
 * clients get the message and the code, never internals.
 */
function asPlainRequestError(error: GraphQLError): GraphQLError {
  const { originalError: _internal, http, ...extensions } = error.extensions;
  return placedAs(error, error.message, { ...extensions, http: { ...http, spec: false, status: 400 } });
}
