/**
 * Why an upstream call failed, in upstream terms. This module knows nothing about GraphQL:
 * outcome-classification.ts says what each reason means (breaker, retries, client code).
 */
export type UpstreamFailureReason =
  /** The upstream answered with a non-2xx HTTP status (the status decides before the body). */
  | 'http-status'
  /** HTTP 2xx whose envelope carries a non-zero response code (a business failure). */
  | 'rejected'
  /** No complete response before the call's deadline. */
  | 'timeout'
  /** The connection could not be made or broke (refused, reset, DNS, closed). */
  | 'connection'
  /**
   * This process ran out of local resources to connect (EMFILE, ENFILE: file descriptors;
   * EADDRNOTAVAIL: ephemeral ports): nothing was sent, and the upstream is not to blame.
   */
  | 'local-resources'
  /** The circuit breaker is open: the call was refused without touching the upstream. */
  | 'circuit-open'
  /** The answer was not JSON, empty, too large, or not the documented envelope/payload. */
  | 'bad-response'
  /** Service mode: the token endpoint refused the gateway's credentials, or a renewed token got a 401. */
  | 'auth-failed'
  /** The gateway's own partner-wide cap (UPSTREAM_RATE_LIMIT_PER_SECOND) had no slot before the deadline: not sent. */
  | 'rate-limited';

/**
 * What the upstream said, when it said anything. Safe to show to clients: responseMessage is
 * only kept for business rejections and 4xx (see response-decision.ts), credential redacted.
 */
export interface UpstreamAnswer {
  status: number;
  responseCode?: number;
  responseMessage?: string;
}

export interface UpstreamErrorInit {
  reason: UpstreamFailureReason;
  answer?: UpstreamAnswer;
  /** Seconds from a Retry-After header (429/503), when the upstream gave one; or until a slot of the partner-wide cap frees. */
  retryAfterSeconds?: number;
  /** The upstream's response_message whatever the status, credential redacted: for the log only. */
  upstreamMessage?: string;
  /** Internal detail for the server log only (never shown to clients). */
  detail?: string;
  cause?: unknown;
}

export class UpstreamError extends Error {
  readonly reason: UpstreamFailureReason;
  readonly answer: UpstreamAnswer | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamMessage: string | undefined;
  readonly detail: string | undefined;

  constructor(init: UpstreamErrorInit) {
    super(init.detail ?? init.reason, { cause: init.cause });
    this.name = 'UpstreamError';
    this.reason = init.reason;
    this.answer = init.answer;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.upstreamMessage = init.upstreamMessage;
    this.detail = init.detail;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}
