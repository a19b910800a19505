import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import type { Logger } from '../logging/logger.js';
import { isUpstreamError } from '../upstream/upstream-error.js';
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
