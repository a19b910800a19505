import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/upstream-error.js';
import {
  failedAttemptResult,
  observeAttempt,
  type AttemptResult,
  type UpstreamAttempt,
  type UpstreamObserver,
} from '../../src/upstream/upstream-observer.js';

const ATTEMPT: UpstreamAttempt = {
  endpoint: 'get-event',
  method: 'GET',
  route: '/api/v0/enkash-coins/{coinConfigId}',
  attempt: 1,
};

function recordingObserver(headers: Record<string, string>) {
  const seen: Array<{ attempt: UpstreamAttempt; result?: AttemptResult }> = [];
  const observer: UpstreamObserver = {
    attemptStarted(attempt) {
      const entry: { attempt: UpstreamAttempt; result?: AttemptResult } = { attempt };
      seen.push(entry);
      return { headers, end: (result) => (entry.result = result) };
    },
  };
  return { observer, seen };
}

describe('observeAttempt', () => {
  it("gives the observer's headers to the attempt and reports its success", async () => {
    const { observer, seen } = recordingObserver({ 'x-request-id': 'r1' });
    const value = await observeAttempt(
      observer,
      ATTEMPT,
      async (headers) => ({ status: 200, sent: headers }),
      (answer) => ({ status: answer.status, outcome: 'success', responseCode: 0 }),
    );
    expect(value.sent).toEqual({ 'x-request-id': 'r1' });
    expect(seen).toEqual([{ attempt: ATTEMPT, result: { status: 200, outcome: 'success', responseCode: 0 } }]);
  });

  it('reports a failure by its reason, status and response code, and rethrows it', async () => {
    const { observer, seen } = recordingObserver({});
    const failure = new UpstreamError({ reason: 'rejected', answer: { status: 200, responseCode: 1001 } });
    await expect(
      observeAttempt(
        observer,
        ATTEMPT,
        () => Promise.reject(failure),
        () => ({ status: 200, outcome: 'success' }),
      ),
    ).rejects.toBe(failure);
    expect(seen[0]?.result).toEqual({ status: 200, outcome: 'rejected', responseCode: 1001 });
  });
});

describe('failedAttemptResult', () => {
  it.each([
    [new UpstreamError({ reason: 'timeout' }), { status: undefined, outcome: 'timeout' }],
    [new UpstreamError({ reason: 'connection' }), { status: undefined, outcome: 'connection' }],
    [new UpstreamError({ reason: 'http-status', answer: { status: 503 } }), { status: 503, outcome: 'http-status' }],
    [new TypeError('bug'), { status: undefined, outcome: 'unexpected' }],
  ])('%s', (error, expected) => {
    expect(failedAttemptResult(error)).toEqual(expected);
  });
});
