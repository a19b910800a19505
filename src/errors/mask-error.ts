import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import type { Logger } from '../logging/logger.js';
import { isUpstreamError } from '../upstream/upstream-error.js';
import { ErrorCode } from './error-codes.js';
import { toGraphQLError } from './upstream-to-graphql.js';

/**
 * The last step every error takes before reaching a client:
 * - an UpstreamError becomes its GraphQL error (code, retryable, upstream), keeping path/locations;
 * - a GraphQLError we raised on purpose (validation, authentication) passes as is;
 * - anything else is masked as INTERNAL_SERVER_ERROR, and logged here with its stack.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isUpstreamError(original)) {
      const mapped = toGraphQLError(original) as GraphQLError;
      const located = error instanceof GraphQLError ? error : undefined;
      return new GraphQLError(mapped.message, {
        nodes: located?.nodes,
        source: located?.source,
        positions: located?.positions,
        path: located?.path,
        extensions: mapped.extensions,
      });
    }
    if (isVariableCoercionError(error)) {
      // graphql-js reports a variable of the wrong type ("6" for an Int!) without a code: it is
      // bad input from the client like any other.
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
      });
    }
    if (error instanceof GraphQLError && isRequestError(error)) return asPlainRequestError(error);
    const masked = yogaMaskError(error, message, isDev);
    if (masked !== error) {
      logger.error(
        { event: 'unexpected_error', path: error instanceof GraphQLError ? error.path : undefined, err: original },
        'unexpected error (masked for the client)',
      );
    }
    return masked;
  };
}

function isVariableCoercionError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    error.extensions.code === undefined &&
    // graphql-js wraps the scalar's own complaint ("Int cannot represent ...") as originalError.
    (error.originalError == null || error.originalError instanceof GraphQLError) &&
    error.path === undefined &&
    error.message.startsWith('Variable "$')
  );
}

/** yoga's errors about the HTTP request itself (invalid JSON body, no query, ...). */
function isRequestError(error: GraphQLError): boolean {
  const http = error.extensions.http as { spec?: boolean } | undefined;
  return http?.spec === true && error.path === undefined;
}

/**
 * A malformed request is answered 400 whatever the Accept header (yoga would answer 200 to
 * `application/json` clients), and without the parser's exception that yoga copies into
 * extensions.originalError: clients get the message and the code, never internals.
 */
function asPlainRequestError(error: GraphQLError): GraphQLError {
  const { originalError: _internal, http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...extensions, http: { ...(http as object), spec: false, status: 400 } },
  });
}
