import type { UpstreamError, UpstreamFailureReason } from './upstream-error.js';

/**
 * The client-facing code of an upstream outcome, by name. src/errors maps each name onto the
 * `extensions.code` spelled the same (a type check there keeps the two lists in step); this
 * module stays GraphQL-free.
 */
export type UpstreamOutcomeCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'UPSTREAM_REJECTED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_AUTH_FAILED';

/** Everything the gateway decides from one way an upstream call can fail. */
export interface UpstreamOutcome {
  /** The upstream itself is unwell: the circuit breaker counts this call as failed. */
  unhealthy: boolean;
  /** An idempotent call may be sent again by the gateway (within the call's deadline). */
  retryableByGateway: boolean;
  /** The upstream's own response_message may reach clients (extensions.upstream; some messages quote it). */
  showsUpstreamMessage: boolean;
  /** What the client is told. */
  code: UpstreamOutcomeCode;
  /** The client-facing message; `upstreamSaid` is the response_message when it may be shown. */
  message(upstreamSaid: string | undefined, status: number): string;
}

const said = (upstreamSaid: string | undefined) => (upstreamSaid ? `: ${upstreamSaid}` : '.');

/**
 * THE classification of upstream outcomes: the breaker, the retry policy, the message policy
 * and the error mapping all read it. Any answer that is not `unhealthy` proves the upstream
 * alive (even a 4xx: it resets the breaker's streak). Only 429 and 502/503/504 and broken
 * connections are worth the gateway's own retry: a 500 is a bug that repeats, and a timeout has
 * used the call's deadline. A 5xx's message is not shown: it says nothing a client can act on,
 * and is where stack lines, JDBC URLs and SQL states leak.
 */
const BY_REASON: Record<Exclude<UpstreamFailureReason, 'http-status'>, UpstreamOutcome> = {
  timeout: {
    unhealthy: true,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_TIMEOUT',
    message: () => 'The coins API did not answer in time.',
  },
  connection: {
    unhealthy: true,
    retryableByGateway: true,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_UNAVAILABLE',
    message: () => 'The coins API could not be reached.',
  },
  // This process is out of file descriptors or ports: not the upstream's health, and a retry
  // right away would meet the same shortage.
  'local-resources': {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_UNAVAILABLE',
    message: () => 'The gateway has no connection free for the coins API right now; retry shortly.',
  },
  'circuit-open': {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_UNAVAILABLE',
    message: () => 'The coins API is failing; calls are paused briefly to let it recover.',
  },
  'bad-response': {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_BAD_RESPONSE',
    message: () => 'The coins API sent a response the gateway cannot read.',
  },
  'auth-failed': {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'UPSTREAM_AUTH_FAILED',
    message: () => "The coins API refused the gateway's own credentials; an operator must fix them.",
  },
  // The gateway's own partner-wide cap (UPSTREAM_RATE_LIMIT_PER_SECOND) had no slot in time:
  // nothing was sent, so it says nothing of the upstream's health.
  'rate-limited': {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: false,
    code: 'RATE_LIMITED',
    message: () => 'The gateway is at its call rate for the coins API; retry later.',
  },
  // HTTP 2xx with a non-zero response code: a business refusal, explained by the upstream.
  rejected: {
    unhealthy: false,
    retryableByGateway: false,
    showsUpstreamMessage: true,
    code: 'UPSTREAM_REJECTED',
    message: (upstreamSaid) => upstreamSaid || 'The coins API rejected the request.',
  },
};

/** Non-2xx answers (reason `http-status`), by status: the first row that matches decides. */
const BY_STATUS: ReadonlyArray<{ statuses: (status: number) => boolean; outcome: UpstreamOutcome }> = [
  {
    statuses: (status) => status === 400 || status === 422,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: true,
      code: 'BAD_USER_INPUT',
      message: (upstreamSaid) => `The coins API rejected the input${said(upstreamSaid)}`,
    },
  },
  {
    statuses: (status) => status === 401,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: true,
      code: 'UNAUTHENTICATED',
      message: () => 'The coins API did not accept the credentials.',
    },
  },
  {
    statuses: (status) => status === 403,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: true,
      code: 'FORBIDDEN',
      message: () => 'The coins API refused access to this resource.',
    },
  },
  {
    statuses: (status) => status === 404,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: true,
      code: 'NOT_FOUND',
      message: (upstreamSaid) => `Not found${said(upstreamSaid)}`,
    },
  },
  {
    statuses: (status) => status === 429,
    outcome: {
      unhealthy: false,
      retryableByGateway: true,
      showsUpstreamMessage: true,
      code: 'RATE_LIMITED',
      message: () => 'The coins API is rate limiting requests; retry later.',
    },
  },
  {
    statuses: (status) => status === 502 || status === 503 || status === 504,
    outcome: {
      unhealthy: true,
      retryableByGateway: true,
      showsUpstreamMessage: false,
      code: 'UPSTREAM_UNAVAILABLE',
      message: (_upstreamSaid, status) => `The coins API is unavailable (HTTP ${status}).`,
    },
  },
  {
    statuses: (status) => status >= 500,
    outcome: {
      unhealthy: true,
      retryableByGateway: false,
      showsUpstreamMessage: false,
      code: 'UPSTREAM_UNAVAILABLE',
      message: (_upstreamSaid, status) => `The coins API is unavailable (HTTP ${status}).`,
    },
  },
  {
    // Undocumented 4xx (405, 409, 413, ...): the upstream refused this request.
    statuses: (status) => status >= 400,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: true,
      code: 'UPSTREAM_REJECTED',
      message: (upstreamSaid, status) => `The coins API rejected the request (HTTP ${status})${said(upstreamSaid)}`,
    },
  },
  {
    // 1xx/3xx: nothing we can use (redirects are not followed: they would carry the token elsewhere).
    statuses: () => true,
    outcome: {
      unhealthy: false,
      retryableByGateway: false,
      showsUpstreamMessage: false,
      code: 'UPSTREAM_BAD_RESPONSE',
      message: (_upstreamSaid, status) => `The coins API sent an unexpected HTTP ${status}.`,
    },
  },
];

/** The outcome of a failure reason; for `http-status`, of the status the upstream answered. */
export function classifyOutcome(reason: UpstreamFailureReason, status = 0): UpstreamOutcome {
  if (reason !== 'http-status') return BY_REASON[reason];
  // The last row matches every status.
  return (BY_STATUS.find((row) => row.statuses(status)) ?? BY_STATUS[BY_STATUS.length - 1]!).outcome;
}

export function classifyUpstreamError(error: UpstreamError): UpstreamOutcome {
  return classifyOutcome(error.reason, error.answer?.status);
}

/**
 * Whether an answer's response_message may reach clients, before any error exists: a non-2xx is
 * judged by its status, a 2xx with a non-zero code is a business rejection, and any other 2xx
 * that fails later is a bad response.
 */
export function showsUpstreamMessage(status: number, responseCode: number): boolean {
  if (status < 200 || status > 299) return classifyOutcome('http-status', status).showsUpstreamMessage;
  return classifyOutcome(responseCode !== 0 ? 'rejected' : 'bad-response').showsUpstreamMessage;
}
