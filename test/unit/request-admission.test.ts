import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequestAdmission, type AdmissionLimits } from '../../src/server/request-admission.js';

// The admission logic with stand-in requests: which requests the handler sees, when, and how the
// limit follows the event loop's utilization (fed by the test). The real server is exercised in
// test/integration/request-admission.test.ts.

interface FakeExchange {
  name: string;
  request: IncomingMessage;
  response: ServerResponse;
  /** The response finished (or the connection closed): its slot frees. */
  finish(): void;
  /** The client went away before being served. */
  disconnect(): void;
}

function exchange(name: string, url = '/graphql'): FakeExchange {
  const socket = { destroyed: false };
  const response = Object.assign(new EventEmitter(), { destroyed: false });
  const request = { url, socket, name };
  return {
    name,
    request: request as unknown as IncomingMessage,
    response: response as unknown as ServerResponse,
    finish: () => response.emit('close'),
    disconnect: () => {
      socket.destroyed = true;
      response.destroyed = true;
      response.emit('close');
    },
  };
}

const LIMITS: AdmissionLimits = { min: 2, max: 4, intervalMs: 100, saturated: 0.95, spare: 0.85 };

function setUp(limits: AdmissionLimits = LIMITS, bypass?: (request: IncomingMessage) => boolean) {
  let busy = 0.5;
  const handled: string[] = [];
  const waits: number[] = [];
  const admission = createRequestAdmission((request) => handled.push((request as unknown as { name: string }).name), {
    limits,
    bypass,
    utilization: () => busy,
    onWaited: (seconds) => waits.push(seconds),
  });
  const send = (...exchanges: FakeExchange[]) => {
    for (const e of exchanges) admission.listener(e.request, e.response);
  };
  return {
    admission,
    handled,
    waits,
    send,
    setUtilization: (value: number) => {
      busy = value;
    },
  };
}

const many = (count: number, prefix = 'r') => Array.from({ length: count }, (_, i) => exchange(`${prefix}${i + 1}`));

afterEach(() => {
  vi.useRealTimers();
});

describe('request admission', () => {
  it('handles up to the limit at once and admits the waiting ones in arrival order as slots free', () => {
    const { admission, handled, send, waits } = setUp();
    const sent = many(6);
    send(...sent);
    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(admission.inFlight()).toBe(4);
    expect(admission.waiting()).toBe(2);

    sent[1]?.finish();
    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    sent[0]?.finish();
    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(admission.waiting()).toBe(0);
    expect(admission.inFlight()).toBe(4);
    // Only the two that waited report a wait.
    expect(waits).toHaveLength(2);
    for (const seconds of waits) expect(seconds).toBeGreaterThanOrEqual(0);
    for (const e of sent.slice(2)) e.finish();
    expect(admission.inFlight()).toBe(0);
    admission.close();
  });

  it('drops a waiting request whose client went away, without handling it', () => {
    const { admission, handled, send } = setUp();
    const running = many(4);
    const gone = exchange('gone');
    const next = exchange('next');
    send(...running, gone, next);
    expect(admission.waiting()).toBe(2);
    gone.disconnect();
    // No longer counted as soon as its client is gone, not when its turn comes.
    expect(admission.waiting()).toBe(1);
    running[0]?.finish();
    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4', 'next']);
    expect(admission.waiting()).toBe(0);
    admission.close();
  });

  it('with thousands waiting, clients leaving before and after the queue is compacted: the others run in order, the count stays exact', () => {
    const { admission, handled, send } = setUp({ ...LIMITS, min: 1, max: 1 });
    const first = exchange('first');
    const queued = many(3_000, 'w');
    send(first, ...queued);
    expect(admission.waiting()).toBe(3_000);
    // Every third leaves now; more leave once over 1,024 slots were consumed and the queue compacted.
    const gone = new Set<string>();
    const leave = (e: FakeExchange) => {
      e.disconnect();
      gone.add(e.name);
    };
    for (const [i, e] of queued.entries()) if (i % 3 === 2) leave(e);
    expect(admission.waiting()).toBe(2_000);
    first.finish();
    let finished = 0;
    const finishNext = () => {
      const running = queued.find((e) => e.name === handled.at(-1));
      running?.finish();
      finished += 1;
    };
    while (finished < 1_200) finishNext();
    const stillWaiting = queued.filter((e) => !gone.has(e.name) && !handled.includes(e.name));
    expect(admission.waiting()).toBe(stillWaiting.length);
    for (const [i, e] of stillWaiting.entries()) if (i % 2 === 0) leave(e);
    expect(admission.waiting()).toBe(Math.floor(stillWaiting.length / 2));
    while (admission.inFlight() > 0) finishNext();
    const expected = queued.map((e) => e.name).filter((name) => !gone.has(name));
    expect(handled).toEqual(['first', ...expected]);
    expect(admission.waiting()).toBe(0);
    admission.close();
  });

  it('never keeps a bypassing request (a probe) waiting, nor counts it', () => {
    const { admission, handled, send } = setUp(LIMITS, (request) => request.url === '/health');
    send(...many(5));
    send(exchange('probe', '/health'));
    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4', 'probe']);
    expect(admission.inFlight()).toBe(4);
    expect(admission.waiting()).toBe(1);
    admission.close();
  });

  it('shrinks the limit by a tenth while the CPU is saturated, not below the minimum', () => {
    vi.useFakeTimers();
    const { admission, send, setUtilization } = setUp({ ...LIMITS, min: 3, max: 100 });
    send(...many(100));
    setUtilization(0.97);
    vi.advanceTimersByTime(100);
    expect(admission.limit()).toBe(90);
    vi.advanceTimersByTime(100);
    expect(admission.limit()).toBe(81);
    vi.advanceTimersByTime(5_000);
    expect(admission.limit()).toBe(3);
    admission.close();
  });

  it('grows the limit by a quarter while requests wait and the CPU has room, admitting them, up to the maximum', () => {
    vi.useFakeTimers();
    const { admission, handled, send, setUtilization } = setUp({ ...LIMITS, min: 4, max: 10 });
    const first = many(10);
    send(...first);
    setUtilization(1);
    vi.advanceTimersByTime(100);
    expect(admission.limit()).toBe(9);
    // Shrunk below the 10 in flight: new requests wait until the limit grows back above it.
    const waiting = many(6, 'w');
    send(...waiting);
    vi.advanceTimersByTime(100);
    expect(admission.limit()).toBe(8);
    expect(admission.waiting()).toBe(6);

    setUtilization(0.5);
    vi.advanceTimersByTime(100);
    expect(admission.limit()).toBe(10);
    expect(admission.inFlight()).toBe(10);
    expect(handled.filter((name) => name.startsWith('w'))).toEqual([]);
    // Every slot freed now admits the next waiting request.
    first[0]?.finish();
    first[1]?.finish();
    expect(handled.filter((name) => name.startsWith('w'))).toEqual(['w1', 'w2']);
    expect(admission.waiting()).toBe(4);
    vi.advanceTimersByTime(1_000);
    expect(admission.limit()).toBe(10);
    admission.close();
  });

  it('keeps the limit while the CPU is between spare and saturated, or when nothing waits', () => {
    vi.useFakeTimers();
    const { admission, send, setUtilization } = setUp({ ...LIMITS, min: 2, max: 8 });
    send(...many(8));
    setUtilization(1);
    vi.advanceTimersByTime(300);
    const shrunk = admission.limit();
    expect(shrunk).toBe(5);
    setUtilization(0.5);
    vi.advanceTimersByTime(1_000);
    expect(admission.limit()).toBe(shrunk);
    setUtilization(0.9);
    send(...many(3, 'w'));
    expect(admission.waiting()).toBe(3);
    vi.advanceTimersByTime(1_000);
    expect(admission.limit()).toBe(shrunk);
    admission.close();
  });
});
