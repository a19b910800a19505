import { GraphQLError } from 'graphql';
import { isUpstreamError, type UpstreamError } from '../upstream/upstream-error.js';
import { ErrorCode, RETRYABLE_CODES } from './error-codes.js';

/**
 * The one mapping from upstream failures to client-visible GraphQL errors. Messages are ours
 * (or the upstream's own response_message for business rejections); never a stack trace, a
 * token, or the upstream's address. Anything that is not an UpstreamError is returned as is
 * and masked later as INTERNAL_SERVER_ERROR.
 */
export function toGraphQLError(error: unknown): unknown {
  if (!isUpstreamError(error)) return error;
  const { code, message } = describe(error);
  return new GraphQLError(message, {
    extensions: {
      code,
      retryable: RETRYABLE_CODES.has(code),
      ...(error.answer ? { upstream: error.answer } : {}),
      ...(code === ErrorCode.RATE_LIMITED && error.retryAfterSeconds !== undefined
        ? { retryAfter: error.retryAfterSeconds }
        : {}),
    },
  });
}

function describe(error: UpstreamError): { code: ErrorCode; message: string } {
  const upstreamSaid = error.answer?.responseMessage;
  switch (error.reason) {
    case 'timeout':
      return { code: ErrorCode.UPSTREAM_TIMEOUT, message: 'The coins API did not answer in time.' };
    case 'connection':
      return { code: ErrorCode.UPSTREAM_UNAVAILABLE, message: 'The coins API could not be reached.' };
    case 'local-resources':
      return {
        code: ErrorCode.UPSTREAM_UNAVAILABLE,
        message: 'The gateway has no connection free for the coins API right now; retry shortly.',
      };
    case 'circuit-open':
      return {
        code: ErrorCode.UPSTREAM_UNAVAILABLE,
        message: 'The coins API is failing; calls are paused briefly to let it recover.',
      };
    case 'bad-response':
      return { code: ErrorCode.UPSTREAM_BAD_RESPONSE, message: 'The coins API sent a response the gateway cannot read.' };
    case 'auth-failed':
      return {
        code: ErrorCode.UPSTREAM_AUTH_FAILED,
        message: "The coins API refused the gateway's own credentials; an operator must fix them.",
      };
    case 'rate-limited':
      return {
        code: ErrorCode.RATE_LIMITED,
        message: 'The gateway is at its call rate for the coins API; retry later.',
      };
    case 'rejected':
      return { code: ErrorCode.UPSTREAM_REJECTED, message: upstreamSaid || 'The coins API rejected the request.' };
    case 'http-status':
      return describeStatus(error.answer?.status ?? 0, upstreamSaid);
  }
}

function describeStatus(status: number, upstreamSaid: string | undefined): { code: ErrorCode; message: string } {
  const suffix = upstreamSaid ? `: ${upstreamSaid}` : '.';
  if (status === 400 || status === 422) {
    return { code: ErrorCode.BAD_USER_INPUT, message: `The coins API rejected the input${suffix}` };
  }
  if (status === 401) {
    return { code: ErrorCode.UNAUTHENTICATED, message: 'The coins API did not accept the credentials.' };
  }
  if (status === 403) {
    return { code: ErrorCode.FORBIDDEN, message: 'The coins API refused access to this resource.' };
  }
  if (status === 404) {
    return { code: ErrorCode.NOT_FOUND, message: `Not found${suffix}` };
  }
  if (status === 429) {
    return { code: ErrorCode.RATE_LIMITED, message: 'The coins API is rate limiting requests; retry later.' };
  }
  if (status >= 500) {
    return { code: ErrorCode.UPSTREAM_UNAVAILABLE, message: `The coins API is unavailable (HTTP ${status}).` };
  }
  if (status >= 400) {
    // Undocumented 4xx (405, 409, 413, ...): the upstream refused this request.
    return { code: ErrorCode.UPSTREAM_REJECTED, message: `The coins API rejected the request (HTTP ${status})${suffix === '.' ? '.' : suffix}` };
  }
  // 1xx/3xx: nothing we can use (redirects are not followed: they would carry the token elsewhere).
  return { code: ErrorCode.UPSTREAM_BAD_RESPONSE, message: `The coins API sent an unexpected HTTP ${status}.` };
}
