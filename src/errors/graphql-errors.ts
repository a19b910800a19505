import { GraphQLError } from 'graphql';
import type { UpstreamOutcomeCode } from '../upstream/outcome-classification.js';
import type { UpstreamAnswer } from '../upstream/upstream-error.js';
import { ErrorCode, RETRYABLE_CODES } from './error-codes.js';

/*
 * Every GraphQL error with a code is built here, one constructor per code (upstream outcomes
 * share one, fed by src/upstream/outcome-classification.ts). `retryable` is decided here, from
 * the code: errors that answer "may I send it again?" carry it (upstream outcomes, and a request
 * the gateway did not run); the gateway's refusals of a request (bad input, limits) do not.
 */

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

const retryability = (code: ErrorCode) => ({ code, retryable: RETRYABLE_CODES.has(code) });

/**
 * A request error about a well-formed request (GraphQL-over-HTTP): 400 for clients that accept
 * application/graphql-response+json, 200 for `Accept: application/json` (yoga reads http.spec).
 */
const wellFormedRequestError = () => ({ spec: true, status: 400 });

const inputSummary = (issues: InputIssue[]) =>
  `Invalid input: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`;

/** Gateway validation of a field's arguments failed: a field error. */
export function badUserInput(issues: InputIssue[]): GraphQLError {
  return new GraphQLError(inputSummary(issues), { extensions: { code: ErrorCode.BAD_USER_INPUT, issues } });
}

/** The request's variables do not fit their types: nothing runs (a request error). */
export function badVariables(issues: InputIssue[]): GraphQLError {
  return new GraphQLError(inputSummary(issues), {
    extensions: { code: ErrorCode.BAD_USER_INPUT, issues, http: wellFormedRequestError() },
  });
}

/**
 * An upstream call's outcome, with the code and message outcome-classification.ts gave it, and
 * what the upstream answered; also a gap the schema finds in an answer (a field or a balance the
 * upstream did not return).
 */
export function upstreamFailure(
  code: UpstreamOutcomeCode,
  message: string,
  answer: { upstream?: UpstreamAnswer; retryAfter?: number } = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      // ErrorCode[code]: every outcome code is spelled like one of the closed list (type-checked).
      ...retryability(ErrorCode[code]),
      ...(answer.upstream ? { upstream: answer.upstream } : {}),
      ...(answer.retryAfter !== undefined ? { retryAfter: answer.retryAfter } : {}),
    },
  });
}

/** The HTTP request is not a GraphQL request (invalid JSON, bad Content-Length, ...). */
export function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } });
}

export function unsupportedMediaType(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, http: { status: 415 } } });
}

export function requestEntityTooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', {
    extensions: { code: ErrorCode.REQUEST_ENTITY_TOO_LARGE, http: { status: 413 } },
  });
}

/** The document could not be parsed, or is too large to be. */
export function graphqlParseFailed(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED, http: wellFormedRequestError() },
  });
}

/** The same extensions yoga gives every validation error. */
export function graphqlValidationFailed(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: wellFormedRequestError() },
  });
}

/** Replaces a whole response that would be too large (serialized by hand: the response is built). */
export function responseTooLarge(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RESPONSE_TOO_LARGE } });
}

/** Refused before execution: nothing was sent upstream. A 400, like a validation failure. */
export function operationTooComplex(upstreamCalls: number, maxUpstreamCalls: number): GraphQLError {
  return new GraphQLError(
    `This operation may need ${upstreamCalls} upstream calls; at most ${maxUpstreamCalls} are allowed in one operation. ` +
      'Split it into smaller operations.',
    { extensions: { code: ErrorCode.OPERATION_TOO_COMPLEX, http: wellFormedRequestError() } },
  );
}

export function unauthenticated(
  message = 'Authentication required: send an Authorization header (e.g. "Bearer <access token>") for the coins API.',
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

/** The caller is known but may not do this (a missing scope, another company). */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

/** "Forbidden: coinEvent needs the coins:read scope." Names scopes, never anything of the token. */
export function missingScope(fieldName: string, scopes: string[], ownBalanceAllowed: boolean): GraphQLError {
  const needs = scopes.length > 0 ? `the ${scopes.join(' or ')} scope` : 'a permission this caller lacks';
  return forbidden(
    `Forbidden: ${fieldName} needs ${needs}${ownBalanceAllowed ? ' (a caller may always read its own balance)' : ''}.`,
  );
}

/** A mutation's target does not exist, as far as this caller may know. */
export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

/** A request that arrived after shutdown began: it did not start, so sending it again is safe. */
export function shuttingDown(): GraphQLError {
  return new GraphQLError(
    'The gateway is shutting down and did not run this request; send it again (on a new connection).',
    {
      extensions: retryability(ErrorCode.SHUTTING_DOWN),
    },
  );
}

/**
 * The caller's own rate limit (RATE_LIMIT_OPERATIONS) is used up: the operation is not run.
 * HTTP 429 with Retry-After for clients that accept application/graphql-response+json; 200 for
 * application/json-only clients (`spec: true`), like every other request error here.
 */
export function callerRateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Rate limit reached: retry in ${retryAfterSeconds} s.`, {
    extensions: {
      ...retryability(ErrorCode.RATE_LIMITED),
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
    { extensions: { code: ErrorCode.PERSISTED_QUERY_ONLY, http: wellFormedRequestError() } },
  );
}

/** An automatic persisted query whose sha256Hash is not the hash of the document sent with it. */
export function persistedQueryHashMismatch(): GraphQLError {
  return badRequest('provided sha does not match query');
}

/** yoga's own answer to a request with neither a query nor a document id, word for word. */
export function missingQuery(): GraphQLError {
  return new GraphQLError('Must provide query string.', {
    extensions: { code: ErrorCode.BAD_REQUEST, http: { spec: true, status: 400, headers: { Allow: 'GET, POST' } } },
  });
}
