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

const unavailable = (_upstreamSaid: string | undefined, status: number) =>
  `The coins API is unavailable (HTTP ${status}).`;

type Flag = 'unhealthy' | 'retryableByGateway' | 'showsUpstreamMessage';

/** A row of the table: the flags it names are true, the others false. */
function outcome(code: UpstreamOutcomeCode, flags: Flag[], message: UpstreamOutcome['message']): UpstreamOutcome {
  return {
    unhealthy: flags.includes('unhealthy'),
    retryableByGateway: flags.includes('retryableByGateway'),
    showsUpstreamMessage: flags.includes('showsUpstreamMessage'),
    code,
    message,
  };
}

/**
 * THE classification of upstream outcomes: the breaker, the retry policy, the message policy
 * and the error mapping all read it. Any answer that is not `unhealthy` proves the upstream
 * alive (even a 4xx: it resets the breaker's streak). Only 429 and 502/503/504 and broken
 * connections are worth the gateway's own retry: a 500 is a bug that repeats, and a timeout has
 * used the call's deadline. A 5xx's message is not shown: it says nothing a client can act on,
 * and is where stack lines, JDBC URLs and SQL states leak.
 */
const BY_REASON: Record<Exclude<UpstreamFailureReason, 'http-status'>, UpstreamOutcome> = {
  timeout: outcome('UPSTREAM_TIMEOUT', ['unhealthy'], () => 'The coins API did not answer in time.'),
  connection: outcome(
    'UPSTREAM_UNAVAILABLE',
    ['unhealthy', 'retryableByGateway'],
    () => 'The coins API could not be reached.',
  ),
  // This process is out of file descriptors or ports: not the upstream's health, and a retry
  // right away would meet the same shortage.
  'local-resources': outcome(
    'UPSTREAM_UNAVAILABLE',
    [],
    () => 'The gateway has no connection free for the coins API right now; retry shortly.',
  ),
  'circuit-open': outcome(
    'UPSTREAM_UNAVAILABLE',
    [],
    () => 'The coins API is failing; calls are paused briefly to let it recover.',
  ),
  'bad-response': outcome('UPSTREAM_BAD_RESPONSE', [], () => 'The coins API sent a response the gateway cannot read.'),
  'auth-failed': outcome(
    'UPSTREAM_AUTH_FAILED',
    [],
    () => "The coins API refused the gateway's own credentials; an operator must fix them.",
  ),
  // The gateway's own partner-wide cap (UPSTREAM_RATE_LIMIT_PER_SECOND) had no slot in time:
  // nothing was sent, so it says nothing of the upstream's health.
  'rate-limited': outcome('RATE_LIMITED', [], () => 'The gateway is at its call rate for the coins API; retry later.'),
  // HTTP 2xx with a non-zero response code: a business refusal, explained by the upstream.
  rejected: outcome(
    'UPSTREAM_REJECTED',
    ['showsUpstreamMessage'],
    (upstreamSaid) => upstreamSaid || 'The coins API rejected the request.',
  ),
};

/** Non-2xx answers (reason `http-status`), by status: the first row that matches decides. */
const BY_STATUS: ReadonlyArray<readonly [statuses: (status: number) => boolean, outcome: UpstreamOutcome]> = [
  [
    (status) => status === 400 || status === 422,
    outcome(
      'BAD_USER_INPUT',
      ['showsUpstreamMessage'],
      (upstreamSaid) => `The coins API rejected the input${said(upstreamSaid)}`,
    ),
  ],
  [
    (status) => status === 401,
    outcome('UNAUTHENTICATED', ['showsUpstreamMessage'], () => 'The coins API did not accept the credentials.'),
  ],
  [
    (status) => status === 403,
    outcome('FORBIDDEN', ['showsUpstreamMessage'], () => 'The coins API refused access to this resource.'),
  ],
  [
    (status) => status === 404,
    outcome('NOT_FOUND', ['showsUpstreamMessage'], (upstreamSaid) => `Not found${said(upstreamSaid)}`),
  ],
  [
    (status) => status === 429,
    outcome(
      'RATE_LIMITED',
      ['retryableByGateway', 'showsUpstreamMessage'],
      () => 'The coins API is rate limiting requests; retry later.',
    ),
  ],
  [
    (status) => status === 502 || status === 503 || status === 504,
    outcome('UPSTREAM_UNAVAILABLE', ['unhealthy', 'retryableByGateway'], unavailable),
  ],
  [(status) => status >= 500, outcome('UPSTREAM_UNAVAILABLE', ['unhealthy'], unavailable)],
  // Undocumented 4xx (405, 409, 413, ...): the upstream refused this request.
  [
    (status) => status >= 400,
    outcome(
      'UPSTREAM_REJECTED',
      ['showsUpstreamMessage'],
      (upstreamSaid, status) => `The coins API rejected the request (HTTP ${status})${said(upstreamSaid)}`,
    ),
  ],
  // 1xx/3xx: nothing we can use (redirects are not followed: they would carry the token elsewhere).
  [
    () => true,
    outcome('UPSTREAM_BAD_RESPONSE', [], (_upstreamSaid, status) => `The coins API sent an unexpected HTTP ${status}.`),
  ],
];

/** The outcome of a failure reason; for `http-status`, of the status the upstream answered. */
export function classifyOutcome(reason: UpstreamFailureReason, status = 0): UpstreamOutcome {
  if (reason !== 'http-status') return BY_REASON[reason];
  for (const [statuses, row] of BY_STATUS) if (statuses(status)) return row;
  throw new Error('unreachable: the last row matches every status');
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
