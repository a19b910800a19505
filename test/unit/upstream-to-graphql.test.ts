import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toGraphQLError } from '../../src/errors/upstream-to-graphql.js';
import { type UpstreamAnswer, UpstreamError, type UpstreamErrorInit } from '../../src/upstream/upstream-error.js';

/** What a client sees of the mapped error: message and extensions. */
function mapped(init: UpstreamErrorInit) {
  const error = toGraphQLError(new UpstreamError(init));
  expect(error).toBeInstanceOf(GraphQLError);
  const { message, extensions } = error as GraphQLError;
  return { message, extensions };
}

describe('toGraphQLError: every upstream reason and status has one code', () => {
  /** An upstream answer with this HTTP status: the reason is the status, not the body. */
  const status = (answer: UpstreamAnswer, retryAfterSeconds?: number): UpstreamErrorInit => ({
    reason: 'http-status',
    answer,
    retryAfterSeconds,
  });
  const DUPLICATE = { status: 200, responseCode: 1, responseMessage: 'Coin configuration already exists' };
  const NO_MESSAGE = { status: 200, responseCode: 3 };
  const SUCCESS = { status: 200, responseCode: 0, responseMessage: 'Success' };
  const UNAUTHORIZED = { status: 401, responseCode: 401, responseMessage: 'Unauthorized' };
  const NOT_FOUND = { status: 404, responseCode: 404, responseMessage: 'Coin configuration not found' };
  const CONFLICT = { status: 409, responseCode: 409, responseMessage: 'Conflict' };
  const UNREADABLE = 'The coins API sent a response the gateway cannot read.';
  const RATE_LIMITED = 'The coins API is rate limiting requests; retry later.';

  // [the UpstreamError, extensions.code, extensions.retryable, the message, any further extensions].
  // extensions.upstream is the upstream answer, present exactly when there is one.
  type Case = [init: UpstreamErrorInit, code: string, retryable: boolean, message: string, more?: object];
  const CASES: Record<string, Case[]> = {
    'timeout → UPSTREAM_TIMEOUT, retryable, no upstream answer': [
      [
        { reason: 'timeout', detail: 'deadline exceeded' },
        'UPSTREAM_TIMEOUT',
        true,
        'The coins API did not answer in time.',
      ],
    ],
    'connection → UPSTREAM_UNAVAILABLE, retryable': [
      [
        { reason: 'connection', detail: 'ECONNREFUSED' },
        'UPSTREAM_UNAVAILABLE',
        true,
        'The coins API could not be reached.',
      ],
    ],
    'circuit-open → UPSTREAM_UNAVAILABLE, retryable': [
      [
        { reason: 'circuit-open' },
        'UPSTREAM_UNAVAILABLE',
        true,
        'The coins API is failing; calls are paused briefly to let it recover.',
      ],
    ],
    'bad-response → UPSTREAM_BAD_RESPONSE, not retryable, with the upstream answer when there is one': [
      [
        { reason: 'bad-response', detail: 'response body exceeds 10 bytes' },
        'UPSTREAM_BAD_RESPONSE',
        false,
        UNREADABLE,
      ],
      [{ reason: 'bad-response', answer: SUCCESS }, 'UPSTREAM_BAD_RESPONSE', false, UNREADABLE],
    ],
    "rejected → UPSTREAM_REJECTED with the upstream's response_message as the message": [
      [{ reason: 'rejected', answer: DUPLICATE }, 'UPSTREAM_REJECTED', false, 'Coin configuration already exists'],
    ],
    'rejected without a response_message gets a generic message': [
      [{ reason: 'rejected', answer: NO_MESSAGE }, 'UPSTREAM_REJECTED', false, 'The coins API rejected the request.'],
    ],
    'HTTP 401 → UNAUTHENTICATED': [
      [status(UNAUTHORIZED), 'UNAUTHENTICATED', false, 'The coins API did not accept the credentials.'],
    ],
    'HTTP 403 → FORBIDDEN': [
      [status({ status: 403 }), 'FORBIDDEN', false, 'The coins API refused access to this resource.'],
    ],
    'HTTP 404 → NOT_FOUND': [
      [status(NOT_FOUND), 'NOT_FOUND', false, 'Not found: Coin configuration not found'],
      [status({ status: 404 }), 'NOT_FOUND', false, 'Not found.'],
    ],
    'HTTP 429 → RATE_LIMITED, retryable, with retryAfter when Retry-After was given': [
      [status({ status: 429 }, 12), 'RATE_LIMITED', true, RATE_LIMITED, { retryAfter: 12 }],
      [status({ status: 429 }), 'RATE_LIMITED', true, RATE_LIMITED],
    ],
    'retryAfter appears only on RATE_LIMITED (a 503 with Retry-After has none)': [
      [status({ status: 503 }, 30), 'UPSTREAM_UNAVAILABLE', true, 'The coins API is unavailable (HTTP 503).'],
    ],
    'an undocumented 4xx → UPSTREAM_REJECTED, not retryable': [
      [status(CONFLICT), 'UPSTREAM_REJECTED', false, 'The coins API rejected the request (HTTP 409): Conflict'],
      [status({ status: 405 }), 'UPSTREAM_REJECTED', false, 'The coins API rejected the request (HTTP 405).'],
    ],
  };

  it.each(Object.entries(CASES))('%s', (_title, cases) => {
    for (const [init, code, retryable, message, more] of cases) {
      const upstream = init.answer === undefined ? {} : { upstream: init.answer };
      expect(mapped(init)).toEqual({ message, extensions: { code, retryable, ...upstream, ...more } });
    }
  });

  it.each([400, 422])('HTTP %i → BAD_USER_INPUT with the upstream reason in the message', (status) => {
    const answer = {
      status,
      responseCode: status,
      responseMessage: 'Invalid parameter: amount must be a positive integer',
    };
    expect(mapped({ reason: 'http-status', answer })).toEqual({
      message: 'The coins API rejected the input: Invalid parameter: amount must be a positive integer',
      extensions: { code: 'BAD_USER_INPUT', retryable: false, upstream: answer },
    });
    expect(mapped({ reason: 'http-status', answer: { status } })).toEqual({
      message: 'The coins API rejected the input.',
      extensions: { code: 'BAD_USER_INPUT', retryable: false, upstream: { status } },
    });
  });

  it.each([500, 502, 503, 504])('HTTP %i → UPSTREAM_UNAVAILABLE, retryable', (status) => {
    expect(mapped({ reason: 'http-status', answer: { status } })).toEqual({
      message: `The coins API is unavailable (HTTP ${status}).`,
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status } },
    });
  });

  it.each([302, 304, 101])('HTTP %i → UPSTREAM_BAD_RESPONSE', (status) => {
    expect(mapped({ reason: 'http-status', answer: { status } })).toEqual({
      message: `The coins API sent an unexpected HTTP ${status}.`,
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status } },
    });
  });

  it('never copies the internal detail or the cause into what clients see', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:8443'), { code: 'ECONNREFUSED' });
    const error = toGraphQLError(
      new UpstreamError({ reason: 'connection', detail: 'ECONNREFUSED 10.1.2.3:8443 Bearer secret', cause }),
    ) as GraphQLError;
    const seen = JSON.stringify({ message: error.message, extensions: error.extensions });
    expect(seen).not.toContain('10.1.2.3');
    expect(seen).not.toContain('secret');
    expect(seen).not.toContain('ECONNREFUSED');
  });
});

describe('toGraphQLError: anything that is not an UpstreamError passes through (to be masked later)', () => {
  it.each([new Error('boom'), new TypeError('x is undefined'), 'a string', undefined])('%s', (value) => {
    expect(toGraphQLError(value)).toBe(value);
  });
});
