import { expect } from 'vitest';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/upstream/http-transport.js';
import { createResilience, type ResilienceOptions, type UpstreamResilience } from '../../src/upstream/resilience.js';
import { memoryLogSink } from './memory-log.js';

/** What a fake upstream does with one request: answer, or fail the way the real transport fails. */
export type FakeReply = HttpResponse | Error;

/** A request as the transport received it, without its deadline (asserted on its own). */
export type SentRequest = Omit<HttpRequest, 'deadline'>;

export interface FakeTransport extends HttpTransport {
  /** Every request sent, in order. */
  readonly sent: SentRequest[];
  /** The raw requests, deadline included. */
  readonly requests: HttpRequest[];
}

/**
 * An HttpTransport without sockets: the n-th request gets replies[n] (the last one repeats).
 * A reply that is an Error is thrown, as the real transport throws a classified UpstreamError.
 */
export function fakeTransport(...replies: FakeReply[]): FakeTransport {
  if (replies.length === 0) throw new Error('fakeTransport: give at least one reply');
  const sent: SentRequest[] = [];
  const requests: HttpRequest[] = [];
  return {
    sent,
    requests,
    async send(request) {
      requests.push(request);
      const { deadline: _deadline, ...rest } = request;
      sent.push(rest);
      const reply = replies[Math.min(sent.length - 1, replies.length - 1)] as FakeReply;
      if (reply instanceof Error) throw reply;
      return reply;
    },
    close: async () => {},
  };
}

/** An HTTP answer with a JSON body (the coins envelope, usually: see envelopeBody()). */
export function answer(status: number, body: string, headers: HttpResponse['headers'] = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body };
}

/** The real resilience policies with test-friendly defaults: a breaker that does not open. */
export function testResilience(overrides: Partial<ResilienceOptions> = {}): UpstreamResilience {
  return createResilience({
    retries: 2,
    breakerFailures: 1000,
    breakerCooldownMs: 10_000,
    breakerFailureRate: 0.5,
    breakerWindowMs: 10_000,
    ...overrides,
  });
}

/** A real pino logger writing into memory: parsed lines, and the raw text to search for secrets. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const { sink, lines, text } = memoryLogSink();
  return { logger: createLogger('info', sink), lines, text };
}

/**
 * The whole `upstream_call_failed` warning the coins client logs: its fixed fields plus those of
 * the call. Compare with toEqual, so that no other field (a credential, a stack) can slip in.
 */
export function upstreamCallFailedLine(call: Record<string, unknown>): Record<string, unknown> {
  return {
    level: 40,
    time: expect.any(Number),
    service: 'coins-gateway',
    event: 'upstream_call_failed',
    durationMs: expect.any(Number),
    msg: 'upstream call failed',
    ...call,
  };
}
