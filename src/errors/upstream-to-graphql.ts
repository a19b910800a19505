import type { GraphQLError } from 'graphql';
import { classifyUpstreamError } from '../upstream/outcome-classification.js';
import { isUpstreamError, type UpstreamError } from '../upstream/upstream-error.js';
import { upstreamFailure } from './graphql-errors.js';

/**
 * The one mapping from upstream failures to client-visible GraphQL errors: code and message come
 * from outcome-classification.ts. Messages are ours (or the upstream's own response_message where
 * that table shows it); never a stack trace, a token, or the upstream's address.
 */
export function upstreamToGraphQLError(error: UpstreamError): GraphQLError {
  const outcome = classifyUpstreamError(error);
  return upstreamFailure(outcome.code, outcome.message(error.answer?.responseMessage, error.answer?.status ?? 0), {
    upstream: error.answer,
    // Only a rate limit tells the client when to come back.
    retryAfter: outcome.code === 'RATE_LIMITED' ? error.retryAfterSeconds : undefined,
  });
}

/** An UpstreamError's GraphQL error; anything else is returned as is (and masked later as INTERNAL_SERVER_ERROR). */
export function toGraphQLError(error: unknown): unknown {
  return isUpstreamError(error) ? upstreamToGraphQLError(error) : error;
}
