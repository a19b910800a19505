import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadline } from '../../src/upstream/deadline.js';
import { MIN_ATTEMPT_MS } from '../../src/limits.js';
import { retryWaitMs } from '../../src/upstream/resilience.js';
import { UpstreamError, type UpstreamErrorInit } from '../../src/upstream/upstream-error.js';
import { testResilience } from '../helpers/upstream-fakes.js';

// The retry policy of src/upstream/resilience.ts with fake timers: which failures are retried,
// how often, when the next attempt starts, and that no attempt starts past the call's deadline.
// (The circuit breaker has its own tests.)

const failure = (init: UpstreamErrorInit) => new UpstreamError(init);
const status = (code: number, retryAfterSeconds?: number) =>
  failure({ reason: 'http-status', answer: { status: code }, retryAfterSeconds, detail: `HTTP ${code}` });

/**
 * An attempt that takes `attemptMs` and fails with `failures` in turn, then succeeds; it records
 * when each attempt started.
 */
function scriptedAttempt(failures: unknown[], attemptMs: number) {
  const startedAt: number[] = [];
  const attempt = async () => {
    startedAt.push(Date.now());
    const next = failures[startedAt.length - 1];
    if (attemptMs > 0) await new Promise((resolve) => setTimeout(resolve, attemptMs));
    if (next !== undefined) throw next;
    return 'answer';
  };
  return { attempt, startedAt, gaps: () => startedAt.slice(1).map((at, i) => at - (startedAt[i] as number)) };
}

/** Runs one call to the end on the fake clock; resolves to its value or its error. */
async function run(
  failures: unknown[],
  call: { retries?: number; idempotent?: boolean; deadlineMs?: number; attemptMs?: number } = {},
): Promise<{ outcome: { value: string } | { error: unknown }; attempts: number; gaps: number[]; elapsedMs: number }> {
  const resilience = testResilience({ retries: call.retries ?? 2 });
  const deadline = createDeadline(call.deadlineMs ?? 10_000);
  const script = scriptedAttempt(failures, call.attemptMs ?? 0);
  const started = Date.now();
  let settledAt = Number.NaN;
  const settled = resilience.run(script.attempt, { idempotent: call.idempotent ?? true, deadline }).then(
    (value) => {
      settledAt = Date.now();
      return { value };
    },
    (error: unknown) => {
      settledAt = Date.now();
      return { error };
    },
  );
  await vi.runAllTimersAsync();
  const outcome = await settled;
  deadline.dispose();
  return { outcome, attempts: script.startedAt.length, gaps: script.gaps(), elapsedMs: settledAt - started };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('retries of an idempotent call', () => {
  it.each([
    ['a connection error', failure({ reason: 'connection', detail: 'ECONNRESET' })],
    ['HTTP 502', status(502)],
    ['HTTP 503', status(503)],
    ['HTTP 504', status(504)],
    ['HTTP 429 without Retry-After', status(429)],
  ])('%s is retried: two failures, then the answer of the third attempt', async (_name, error) => {
    const { outcome, attempts } = await run([error, error]);
    expect(outcome).toEqual({ value: 'answer' });
    expect(attempts).toBe(3);
  });

  it.each([
    ['HTTP 500', status(500)],
    ['HTTP 400', status(400)],
    ['HTTP 401', status(401)],
    ['HTTP 404', status(404)],
    ['a business rejection', failure({ reason: 'rejected', answer: { status: 200, responseCode: 1 } })],
    ['a bad response', failure({ reason: 'bad-response', answer: { status: 200 } })],
    ['a timeout', failure({ reason: 'timeout', detail: 'deadline exceeded' })],
    ['an error that is not an UpstreamError', new TypeError('bug')],
  ])('%s is not retried: one attempt, its error', async (_name, error) => {
    const { outcome, attempts } = await run([error]);
    expect(outcome).toEqual({ error });
    expect(attempts).toBe(1);
  });

  it('gives up after 1 + retries attempts with the last failure', async () => {
    const last = status(504);
    const { outcome, attempts } = await run([status(503), failure({ reason: 'connection' }), last, status(503)], {
      retries: 2,
    });
    expect(outcome).toEqual({ error: last });
    expect(attempts).toBe(3);
  });

  it('retries: 0 makes one attempt', async () => {
    const { attempts } = await run([status(503)], { retries: 0 });
    expect(attempts).toBe(1);
  });

  it('waits a jittered backoff between attempts, well under a second for the first retries', async () => {
    const { gaps } = await run([status(503), status(503)]);
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThan(1_000);
    }
  });

  it('waits Retry-After instead of the backoff: the next attempt starts exactly 2 s later', async () => {
    const { outcome, gaps } = await run([status(429, 2)]);
    expect(outcome).toEqual({ value: 'answer' });
    expect(gaps).toEqual([2_000]);
  });
});

describe('retries inside one deadline', () => {
  it('a Retry-After past the deadline is not waited for: one attempt, the 429 itself', async () => {
    const rateLimited = status(429, 5);
    const { outcome, attempts, elapsedMs } = await run([rateLimited], { deadlineMs: 500 });
    expect(outcome).toEqual({ error: rateLimited });
    expect(attempts).toBe(1);
    expect(elapsedMs).toBe(0);
  });

  it('stops retrying when the deadline leaves no room for another attempt, reporting the last failure, not a timeout', async () => {
    const failures = Array.from({ length: 11 }, () => status(503));
    const { outcome, attempts, elapsedMs } = await run(failures, { retries: 10, deadlineMs: 400, attemptMs: 5 });
    expect(outcome).toEqual({ error: failures[attempts - 1] });
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(11);
    // Every attempt started with at least 50 ms of the deadline left (and took 5 ms).
    expect(elapsedMs).toBeLessThanOrEqual(400 - 50 + 5);
  });

  it('a Retry-After that would leave less than 50 ms for the attempt is not waited for', async () => {
    const { attempts } = await run([status(429, 0.3)], { deadlineMs: 320 });
    expect(attempts).toBe(1);
    const { outcome, gaps } = await run([status(429, 0.2)], { deadlineMs: 300 });
    expect(outcome).toEqual({ value: 'answer' });
    expect(gaps).toEqual([200]);
  });

  it('the jittered wait is cut short so that the next attempt starts with 50 ms of the deadline left', async () => {
    // The largest jitter: a first backoff of about 137 ms, more than the 70 ms there is room for.
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const { outcome, gaps, elapsedMs } = await run([status(503)], { deadlineMs: 120 });
    expect(outcome).toEqual({ value: 'answer' });
    expect(gaps).toEqual([120 - 50]);
    expect(elapsedMs).toBe(120 - 50);
  });

  it('after a wait cut short, no further attempt: an upstream that fails at once is never called back to back', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const failures = Array.from({ length: 11 }, () => status(503));
    const { outcome, attempts, gaps } = await run(failures, { retries: 10, deadlineMs: 300, attemptMs: 0 });
    // Backoffs of about 137 and 145 ms: the first fits, the second is cut to what leaves 50 ms,
    // and that attempt is the last.
    expect(attempts).toBe(3);
    expect(outcome).toEqual({ error: failures[2] });
    expect(gaps[0]).toBeGreaterThanOrEqual(130);
    expect(gaps[0]).toBeLessThan(140);
    expect((gaps[0] as number) + (gaps[1] as number)).toBe(300 - 50);
    for (const gap of gaps) expect(gap).toBeGreaterThan(0);
  });
});

describe('a call that is not idempotent (POST, PATCH)', () => {
  it.each([
    ['HTTP 503', status(503)],
    ['a connection error', failure({ reason: 'connection' })],
    ['HTTP 429 with Retry-After: 0', status(429, 0)],
  ])('is never retried on %s', async (_name, error) => {
    const { outcome, attempts } = await run([error], { idempotent: false, retries: 5 });
    expect(outcome).toEqual({ error });
    expect(attempts).toBe(1);
  });
});

describe('retryWaitMs: the wait before a retry, or none', () => {
  const room = 1_000 - MIN_ATTEMPT_MS;
  it.each([
    ['a 503 waits its backoff', status(503), 120, 1_000, 120],
    ['a backoff that just fits', status(503), room, 1_000, room],
    ['a backoff longer than the room is cut to the room', status(503), 2_000, 1_000, room],
    ['a backoff cut to nothing: no retry', status(503), 120, MIN_ATTEMPT_MS, undefined],
    ['less than MIN_ATTEMPT_MS left: no retry', status(503), 0, MIN_ATTEMPT_MS - 1, undefined],
    ['Retry-After replaces the backoff', status(429, 2), 120, 5_000, 2_000],
    ['Retry-After: 0 with just MIN_ATTEMPT_MS left', status(429, 0), 120, MIN_ATTEMPT_MS, 0],
    ['a Retry-After that does not fit is not shortened: no retry', status(429, 1), 120, 1_000, undefined],
    ['a connection error', failure({ reason: 'connection' }), 120, 1_000, 120],
    ['a 500 is not retried', status(500), 120, 1_000, undefined],
    ['a timeout is not retried', failure({ reason: 'timeout' }), 120, 1_000, undefined],
    ['an error that is not an UpstreamError', new TypeError('bug'), 120, 1_000, undefined],
  ])('%s', (_name, error, backoffMs, remainingMs, expected) => {
    expect(retryWaitMs(error, backoffMs, remainingMs)).toBe(expected);
  });
});
