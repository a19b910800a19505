import { GraphQLError } from 'graphql';
import type { UpstreamAnswer } from '../upstream/upstream-error.js';
import { ErrorCode } from './error-codes.js';

/** One problem in an argument, addressed by its path from the field's arguments. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
}

// Typed extensions: what our clients can rely on finding in `errors[].extensions`.
declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode;
    /** Present on upstream errors: may the same request succeed if sent again? */
    retryable?: boolean;
    upstream?: UpstreamAnswer;
    /** Seconds to wait before retrying, from the upstream's Retry-After. */
    retryAfter?: number;
    /** Every problem of a BAD_USER_INPUT raised by gateway validation. */
    issues?: InputIssue[];
  }
}

export function badUserInput(issues: InputIssue[]): GraphQLError {
  const summary = issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  return new GraphQLError(`Invalid input: ${summary}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, issues },
  });
}

/** Refused before execution: nothing was sent upstream. A 400, like a validation failure. */
export function operationTooComplex(upstreamCalls: number, maxUpstreamCalls: number): GraphQLError {
  return new GraphQLError(
    `This operation may need ${upstreamCalls} upstream calls; at most ${maxUpstreamCalls} are allowed in one operation. ` +
      'Split it into smaller operations.',
    { extensions: { code: ErrorCode.OPERATION_TOO_COMPLEX, http: { spec: true, status: 400 } } },
  );
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError(
    'Authentication required: send an Authorization header (e.g. "Bearer <access token>") for the coins API.',
    { extensions: { code: ErrorCode.UNAUTHENTICATED } },
  );
}

/** A request that arrived after shutdown began: it did not start, so sending it again is safe. */
export function shuttingDown(): GraphQLError {
  return new GraphQLError('The gateway is shutting down and did not run this request; send it again (on a new connection).', {
    extensions: { code: ErrorCode.SHUTTING_DOWN, retryable: true },
  });
}

/**
 * The caller's own rate limit (RATE_LIMIT_OPERATIONS) is used up: the operation is not run.
 * HTTP 429 with Retry-After for clients that accept application/graphql-response+json; 200 for
 * application/json-only clients (`spec: true`), like every other request error here.
 */
export function callerRateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Rate limit reached: retry in ${retryAfterSeconds} s.`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryable: true,
      retryAfter: retryAfterSeconds,
      http: { status: 429, spec: true, headers: { 'retry-after': String(retryAfterSeconds) } },
    },
  });
}

/**
 * An unknown document id. The message is Apollo's literal `PersistedQueryNotFound`: Apollo
 * Client's PersistedQueryLink (older versions by message only) then resends with the document.
 * HTTP 404 with application/graphql-response+json (a response without data must be 4xx there);
 * 200 for application/json clients, as Apollo Server answers. Never cached by a CDN (GET).
 */
export function persistedQueryNotFound(): GraphQLError {
  return new GraphQLError('PersistedQueryNotFound', {
    extensions: {
      code: ErrorCode.PERSISTED_QUERY_NOT_FOUND,
      http: { spec: true, status: 404, headers: { 'cache-control': 'private, no-cache, must-revalidate' } },
    },
  });
}

export function persistedQueryOnly(): GraphQLError {
  return new GraphQLError(
    'PersistedQueryOnly: this gateway runs only trusted documents; send documentId (sha256 from the manifest) instead of query.',
    { extensions: { code: ErrorCode.PERSISTED_QUERY_ONLY, http: { spec: true, status: 400 } } },
  );
}

/** An automatic persisted query whose sha256Hash is not the hash of the document sent with it. */
export function persistedQueryHashMismatch(): GraphQLError {
  return new GraphQLError('provided sha does not match query', {
    extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
  });
}

/** yoga's own answer to a request with neither a query nor a document id, word for word. */
export function missingQuery(): GraphQLError {
  return new GraphQLError('Must provide query string.', {
    extensions: { code: ErrorCode.BAD_REQUEST, http: { spec: true, status: 400, headers: { Allow: 'GET, POST' } } },
  });
}
