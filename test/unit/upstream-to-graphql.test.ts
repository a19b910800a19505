import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toGraphQLError } from '../../src/errors/upstream-to-graphql.js';
import { UpstreamError, type UpstreamErrorInit } from '../../src/upstream/upstream-error.js';

/** What a client sees of the mapped error: message and extensions. */
function mapped(init: UpstreamErrorInit) {
  const error = toGraphQLError(new UpstreamError(init));
  expect(error).toBeInstanceOf(GraphQLError);
  const { message, extensions } = error as GraphQLError;
  return { message, extensions };
}

describe('toGraphQLError: every upstream reason and status has one code', () => {
  it('timeout → UPSTREAM_TIMEOUT, retryable, no upstream answer', () => {
    expect(mapped({ reason: 'timeout', detail: 'deadline exceeded' })).toEqual({
      message: 'The coins API did not answer in time.',
      extensions: { code: 'UPSTREAM_TIMEOUT', retryable: true },
    });
  });

  it('connection → UPSTREAM_UNAVAILABLE, retryable', () => {
    expect(mapped({ reason: 'connection', detail: 'ECONNREFUSED' })).toEqual({
      message: 'The coins API could not be reached.',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    });
  });

  it('circuit-open → UPSTREAM_UNAVAILABLE, retryable', () => {
    expect(mapped({ reason: 'circuit-open' })).toEqual({
      message: 'The coins API is failing; calls are paused briefly to let it recover.',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    });
  });

  it('bad-response → UPSTREAM_BAD_RESPONSE, not retryable, with the upstream answer when there is one', () => {
    expect(mapped({ reason: 'bad-response', detail: 'response body exceeds 10 bytes' })).toEqual({
      message: 'The coins API sent a response the gateway cannot read.',
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', retryable: false },
    });
    expect(
      mapped({ reason: 'bad-response', answer: { status: 200, responseCode: 0, responseMessage: 'Success' } }),
    ).toEqual({
      message: 'The coins API sent a response the gateway cannot read.',
      extensions: {
        code: 'UPSTREAM_BAD_RESPONSE',
        retryable: false,
        upstream: { status: 200, responseCode: 0, responseMessage: 'Success' },
      },
    });
  });

  it("rejected → UPSTREAM_REJECTED with the upstream's response_message as the message", () => {
    const answer = { status: 200, responseCode: 1, responseMessage: 'Coin configuration already exists' };
    expect(mapped({ reason: 'rejected', answer })).toEqual({
      message: 'Coin configuration already exists',
      extensions: { code: 'UPSTREAM_REJECTED', retryable: false, upstream: answer },
    });
  });

  it('rejected without a response_message gets a generic message', () => {
    expect(mapped({ reason: 'rejected', answer: { status: 200, responseCode: 3 } })).toEqual({
      message: 'The coins API rejected the request.',
      extensions: { code: 'UPSTREAM_REJECTED', retryable: false, upstream: { status: 200, responseCode: 3 } },
    });
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
    expect(mapped({ reason: 'http-status', answer: { status } }).message).toBe('The coins API rejected the input.');
  });

  it('HTTP 401 → UNAUTHENTICATED', () => {
    expect(
      mapped({ reason: 'http-status', answer: { status: 401, responseCode: 401, responseMessage: 'Unauthorized' } }),
    ).toEqual({
      message: 'The coins API did not accept the credentials.',
      extensions: {
        code: 'UNAUTHENTICATED',
        retryable: false,
        upstream: { status: 401, responseCode: 401, responseMessage: 'Unauthorized' },
      },
    });
  });

  it('HTTP 403 → FORBIDDEN', () => {
    expect(mapped({ reason: 'http-status', answer: { status: 403 } })).toEqual({
      message: 'The coins API refused access to this resource.',
      extensions: { code: 'FORBIDDEN', retryable: false, upstream: { status: 403 } },
    });
  });

  it('HTTP 404 → NOT_FOUND', () => {
    const answer = { status: 404, responseCode: 404, responseMessage: 'Coin configuration not found' };
    expect(mapped({ reason: 'http-status', answer })).toEqual({
      message: 'Not found: Coin configuration not found',
      extensions: { code: 'NOT_FOUND', retryable: false, upstream: answer },
    });
    expect(mapped({ reason: 'http-status', answer: { status: 404 } }).message).toBe('Not found.');
  });

  it('HTTP 429 → RATE_LIMITED, retryable, with retryAfter when Retry-After was given', () => {
    expect(mapped({ reason: 'http-status', answer: { status: 429 }, retryAfterSeconds: 12 })).toEqual({
      message: 'The coins API is rate limiting requests; retry later.',
      extensions: { code: 'RATE_LIMITED', retryable: true, upstream: { status: 429 }, retryAfter: 12 },
    });
    expect(mapped({ reason: 'http-status', answer: { status: 429 } })).toEqual({
      message: 'The coins API is rate limiting requests; retry later.',
      extensions: { code: 'RATE_LIMITED', retryable: true, upstream: { status: 429 } },
    });
  });

  it('retryAfter appears only on RATE_LIMITED (a 503 with Retry-After has none)', () => {
    expect(mapped({ reason: 'http-status', answer: { status: 503 }, retryAfterSeconds: 30 })).toEqual({
      message: 'The coins API is unavailable (HTTP 503).',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 503 } },
    });
  });

  it.each([500, 502, 503, 504])('HTTP %i → UPSTREAM_UNAVAILABLE, retryable', (status) => {
    expect(mapped({ reason: 'http-status', answer: { status } })).toEqual({
      message: `The coins API is unavailable (HTTP ${status}).`,
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status } },
    });
  });

  it('an undocumented 4xx → UPSTREAM_REJECTED, not retryable', () => {
    expect(
      mapped({ reason: 'http-status', answer: { status: 409, responseCode: 409, responseMessage: 'Conflict' } }),
    ).toEqual({
      message: 'The coins API rejected the request (HTTP 409): Conflict',
      extensions: {
        code: 'UPSTREAM_REJECTED',
        retryable: false,
        upstream: { status: 409, responseCode: 409, responseMessage: 'Conflict' },
      },
    });
    expect(mapped({ reason: 'http-status', answer: { status: 405 } }).message).toBe(
      'The coins API rejected the request (HTTP 405).',
    );
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
