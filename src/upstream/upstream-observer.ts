import type { Logger } from '../logging/logger.js';
import type { HttpMethod } from './http-transport.js';
import { isUpstreamError, type UpstreamFailureReason } from './upstream-error.js';

/**
 * The hook through which the upstream layer reports every attempt it makes, so that metrics,
 * trace spans and the access log see each one (retries included) without this layer knowing
 * about any of them. It stays GraphQL- and Prometheus-free: src/observability implements it.
 */

/** The upstream endpoints by their public metric label (a contract: see README "Operating it"). */
export type UpstreamEndpoint =
  | 'create-event'
  | 'get-event'
  | 'update-event'
  | 'allocate-coins'
  | 'get-balance'
  | 'oauth-token';

export interface UpstreamAttempt {
  endpoint: UpstreamEndpoint;
  method: HttpMethod;
  /** The path template, never the raw path (ids are no span names): `/api/v0/enkash-coins/{coinConfigId}`. */
  route: string;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  attempt: number;
}

/** `success`, or why the attempt failed (an UpstreamError's reason; `unexpected` for anything else). */
export type AttemptOutcome = 'success' | UpstreamFailureReason | 'unexpected';

export interface AttemptResult {
  /** The HTTP status, when an answer arrived. */
  status: number | undefined;
  outcome: AttemptOutcome;
  /** The envelope's response_code, when the answer carried one. */
  responseCode?: number;
}

export interface AttemptObservation {
  /** Headers to send with this attempt (x-request-id, traceparent). */
  readonly headers: Readonly<Record<string, string>>;
  /** Called exactly once, when the attempt has its result. */
  end(result: AttemptResult): void;
}

export interface UpstreamObserver {
  /** Called just before each attempt is sent. */
  attemptStarted(attempt: UpstreamAttempt): AttemptObservation;
}

/**
 * The request an upstream call serves, as far as this layer needs it: its observer (which
 * tags the attempt with the request's id and trace) and its log (whose lines carry the id).
 */
export interface CallOrigin extends UpstreamObserver {
  readonly logger: Logger;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const UNOBSERVED: AttemptObservation = Object.freeze({ headers: NO_HEADERS, end: () => {} });

/** For clients built without observability (unit tests of the upstream layer). */
export const NO_OBSERVER: UpstreamObserver = Object.freeze({ attemptStarted: () => UNOBSERVED });

/** The result of a failed attempt, read from what it threw. */
export function failedAttemptResult(error: unknown): AttemptResult {
  if (!isUpstreamError(error)) return { status: undefined, outcome: 'unexpected' };
  const result: AttemptResult = { status: error.answer?.status, outcome: error.reason };
  if (error.answer?.responseCode !== undefined) result.responseCode = error.answer.responseCode;
  return result;
}

/**
 * Runs one attempt under observation: `send` gets the headers the observer adds, and the
 * observer learns the result, whether the attempt returned or threw.
 */
export async function observeAttempt<T>(
  observer: UpstreamObserver,
  attempt: UpstreamAttempt,
  send: (extraHeaders: Readonly<Record<string, string>>) => Promise<T>,
  resultOf: (value: T) => AttemptResult,
  failureOf: (error: unknown) => AttemptResult = failedAttemptResult,
): Promise<T> {
  const observation = observer.attemptStarted(attempt);
  let value: T;
  try {
    value = await send(observation.headers);
  } catch (error) {
    observation.end(failureOf(error));
    throw error;
  }
  observation.end(resultOf(value));
  return value;
}

/** The shared circuit breaker's state, as operators see it (`coins_gateway_circuit_breaker_state`). */
export type BreakerState = 'closed' | 'open' | 'half-open';
