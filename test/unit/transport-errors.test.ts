import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toGraphQLError } from '../../src/errors/upstream-to-graphql.js';
import { createDeadline } from '../../src/upstream/deadline.js';
import { classifyTransportError } from '../../src/upstream/http-transport.js';
import { classifyUpstreamError } from '../../src/upstream/outcome-classification.js';
import { UpstreamError } from '../../src/upstream/upstream-error.js';

// With 1,100 idle client sockets under a 1,024 file limit, upstream connects
// failed with EMFILE and were reported as INTERNAL_SERVER_ERROR ("unexpected"). Local resource
// exhaustion is its own reason, UPSTREAM_UNAVAILABLE and retryable for clients.

function systemError(code: string, syscall = 'connect'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code} 127.0.0.1:8080`), { code, errno: -24, syscall });
}

function classify(error: unknown): unknown {
  const deadline = createDeadline(10_000);
  try {
    return classifyTransportError(error, deadline, undefined);
  } finally {
    deadline.dispose();
  }
}

describe('classifyTransportError: local resource exhaustion', () => {
  it.each(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL'])('%s is reason local-resources, detail the code', (code) => {
    const classified = classify(systemError(code));
    expect(classified).toBeInstanceOf(UpstreamError);
    const error = classified as UpstreamError;
    expect({ reason: error.reason, detail: error.detail, answer: error.answer }).toEqual({
      reason: 'local-resources',
      detail: code,
      answer: undefined,
    });
    // Not the upstream's health: it must not feed the circuit breaker.
    expect(classifyUpstreamError(error).unhealthy).toBe(false);
  });

  it.each(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL'])(
    '%s reaches clients as UPSTREAM_UNAVAILABLE, retryable, without internals',
    (code) => {
      const mapped = toGraphQLError(classify(systemError(code))) as GraphQLError;
      expect(mapped).toBeInstanceOf(GraphQLError);
      expect({ message: mapped.message, extensions: mapped.extensions }).toEqual({
        message: 'The gateway has no connection free for the coins API right now; retry shortly.',
        extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      });
    },
  );

  it('a connection reset stays reason connection (the upstream side), an unknown error passes through', () => {
    expect((classify(systemError('ECONNRESET', 'read')) as UpstreamError).reason).toBe('connection');
    const bug = new TypeError('invalid argument');
    expect(classify(bug)).toBe(bug);
  });
});
