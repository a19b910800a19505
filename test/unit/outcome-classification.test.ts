import { describe, expect, it } from 'vitest';
import { RETRYABLE_CODES } from '../../src/errors/error-codes.js';
import {
  classifyOutcome,
  showsUpstreamMessage,
  type UpstreamOutcome,
} from '../../src/upstream/outcome-classification.js';
import type { UpstreamFailureReason } from '../../src/upstream/upstream-error.js';

type Row = [
  label: string,
  reason: UpstreamFailureReason,
  status: number | undefined,
  expected: Omit<UpstreamOutcome, 'message'>,
];

const outcome = (
  code: UpstreamOutcome['code'],
  unhealthy: boolean,
  retryableByGateway: boolean,
  showsUpstreamMessage: boolean,
): Omit<UpstreamOutcome, 'message'> => ({ code, unhealthy, retryableByGateway, showsUpstreamMessage });

// The breaker counts `unhealthy`, the retry policy reads `retryableByGateway`, the response
// decision `showsUpstreamMessage`, and the error mapping `code`.
const rows: Row[] = [
  ['a timeout', 'timeout', undefined, outcome('UPSTREAM_TIMEOUT', true, false, false)],
  ['a broken connection', 'connection', undefined, outcome('UPSTREAM_UNAVAILABLE', true, true, false)],
  [
    'no local file descriptor or port',
    'local-resources',
    undefined,
    outcome('UPSTREAM_UNAVAILABLE', false, false, false),
  ],
  ['the open circuit', 'circuit-open', undefined, outcome('UPSTREAM_UNAVAILABLE', false, false, false)],
  ['an unreadable answer', 'bad-response', undefined, outcome('UPSTREAM_BAD_RESPONSE', false, false, false)],
  ['refused gateway credentials', 'auth-failed', undefined, outcome('UPSTREAM_AUTH_FAILED', false, false, false)],
  ["the gateway's own call rate", 'rate-limited', undefined, outcome('RATE_LIMITED', false, false, false)],
  ['a business rejection', 'rejected', 200, outcome('UPSTREAM_REJECTED', false, false, true)],
  ['HTTP 400', 'http-status', 400, outcome('BAD_USER_INPUT', false, false, true)],
  ['HTTP 422', 'http-status', 422, outcome('BAD_USER_INPUT', false, false, true)],
  ['HTTP 401', 'http-status', 401, outcome('UNAUTHENTICATED', false, false, true)],
  ['HTTP 403', 'http-status', 403, outcome('FORBIDDEN', false, false, true)],
  ['HTTP 404', 'http-status', 404, outcome('NOT_FOUND', false, false, true)],
  ['HTTP 429', 'http-status', 429, outcome('RATE_LIMITED', false, true, true)],
  ['HTTP 405', 'http-status', 405, outcome('UPSTREAM_REJECTED', false, false, true)],
  ['HTTP 409', 'http-status', 409, outcome('UPSTREAM_REJECTED', false, false, true)],
  ['HTTP 499', 'http-status', 499, outcome('UPSTREAM_REJECTED', false, false, true)],
  ['HTTP 500', 'http-status', 500, outcome('UPSTREAM_UNAVAILABLE', true, false, false)],
  ['HTTP 501', 'http-status', 501, outcome('UPSTREAM_UNAVAILABLE', true, false, false)],
  ['HTTP 502', 'http-status', 502, outcome('UPSTREAM_UNAVAILABLE', true, true, false)],
  ['HTTP 503', 'http-status', 503, outcome('UPSTREAM_UNAVAILABLE', true, true, false)],
  ['HTTP 504', 'http-status', 504, outcome('UPSTREAM_UNAVAILABLE', true, true, false)],
  ['HTTP 599', 'http-status', 599, outcome('UPSTREAM_UNAVAILABLE', true, false, false)],
  ['HTTP 302', 'http-status', 302, outcome('UPSTREAM_BAD_RESPONSE', false, false, false)],
  ['HTTP 101', 'http-status', 101, outcome('UPSTREAM_BAD_RESPONSE', false, false, false)],
];

describe('classifyOutcome: one row per way an upstream call can fail', () => {
  it.each(rows)('%s', (_label, reason, status, expected) => {
    const { message: _message, ...classified } = classifyOutcome(reason, status);
    expect(classified).toEqual(expected);
  });

  it.each(rows)('%s: what the gateway retries, a client may retry too', (_label, reason, status) => {
    const classified = classifyOutcome(reason, status);
    if (classified.retryableByGateway) expect(RETRYABLE_CODES.has(classified.code)).toBe(true);
  });
});

describe('the messages clients read', () => {
  it.each([
    ['timeout', undefined, undefined, 'The coins API did not answer in time.'],
    ['rejected', 200, 'Coin configuration already exists', 'Coin configuration already exists'],
    ['rejected', 200, undefined, 'The coins API rejected the request.'],
    ['http-status', 400, 'amount must be positive', 'The coins API rejected the input: amount must be positive'],
    ['http-status', 422, undefined, 'The coins API rejected the input.'],
    ['http-status', 404, 'no such user', 'Not found: no such user'],
    ['http-status', 409, 'duplicate', 'The coins API rejected the request (HTTP 409): duplicate'],
    ['http-status', 405, undefined, 'The coins API rejected the request (HTTP 405).'],
    ['http-status', 500, undefined, 'The coins API is unavailable (HTTP 500).'],
    ['http-status', 304, undefined, 'The coins API sent an unexpected HTTP 304.'],
  ] as const)('%s %s (upstream said %s) → %s', (reason, status, said, expected) => {
    expect(classifyOutcome(reason, status).message(said, status ?? 0)).toBe(expected);
  });
});

describe('showsUpstreamMessage: whose response_message may reach clients', () => {
  // A business rejection and any 4xx are the caller's to read.
  const shown: Array<[status: number, responseCode: number]> = [
    [200, 1],
    [400, 400],
    [401, 0],
    [404, 404],
    [429, 0],
    [499, 0],
  ];
  // A success, a 5xx (it may describe the upstream's internals), a 1xx or 3xx.
  const hidden: Array<[status: number, responseCode: number]> = [
    [200, 0],
    [204, 0],
    [500, 500],
    [503, 0],
    [302, 0],
    [101, 0],
  ];
  it.each([
    ...shown.map(([status, code]) => [status, code, true] as const),
    ...hidden.map(([status, code]) => [status, code, false] as const),
  ])('HTTP %i with response code %i → %s', (status, responseCode, expected) => {
    expect(showsUpstreamMessage(status, responseCode)).toBe(expected);
  });
});
