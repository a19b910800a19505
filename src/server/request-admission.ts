import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface RequestAdmission {
  /** The request listener to give the HTTP server: `handler`, behind the limit. */
  listener: RequestListener;
  /** Requests being handled now (bypassing ones not counted). */
  inFlight(): number;
  /** Requests waiting for a slot (one whose client has gone is no longer counted). */
  waiting(): number;
  /** How many requests may be handled at once right now. */
  limit(): number;
  /** Stops adapting the limit (the timer). Waiting requests are still admitted as slots free. */
  close(): void;
}

export interface AdmissionLimits {
  /** The limit never goes below this (nor above `max`); see ADMISSION_CONTROL in src/limits.ts. */
  min: number;
  /** Nor above this (MAX_REQUESTS_IN_FLIGHT); it starts here. */
  max: number;
  /** How often the event loop's utilization is read and the limit adjusted, in ms. */
  intervalMs: number;
  /** Utilization (0–1) at or above which the CPU counts as saturated: the limit shrinks by a tenth. */
  saturated: number;
  /** Utilization below which there is spare CPU: while requests wait, the limit grows by a quarter. */
  spare: number;
}

export interface RequestAdmissionOptions {
  limits: AdmissionLimits;
  /** Requests that never wait and are not counted (health probes: they must answer under any load). */
  bypass?: (request: IncomingMessage) => boolean;
  /** The event loop's utilization since the last call, 0–1. @default Node's performance.eventLoopUtilization */
  utilization?: () => number;
  /** Called when a request that waited is admitted, with how long it waited (seconds). */
  onWaited?: (seconds: number) => void;
}

interface Waiting {
  request: IncomingMessage;
  response: ServerResponse;
  /** performance.now() when it arrived. */
  since: number;
  /** Called when the client goes away while the request waits (the response's 'close'). */
  onAbandoned: () => void;
}

/**
 * Admission control: a bounded number of requests are handled at once, the others wait, in
 * arrival order, before any of their work starts (their bodies stay in the socket buffers).
 *
 * Why: a request being handled keeps what it has allocated until it answers. With hundreds of
 * connections sending at once on a saturated CPU, each request takes longer, outlives several
 * young-generation collections, and its objects are promoted: the old generation fills with
 * garbage, and under the heap cap `npm start` sets (where V8 leaves little headroom) full
 * collections run back to back, so CPU per request and tail latency grow with the connection
 * count. Starting a request while the CPU is already saturated gains nothing.
 *
 * The limit adapts to the event loop's utilization: while the loop is saturated it shrinks (down
 * to `min`), while there is spare CPU and requests wait it grows (up to `max`). So against a slow
 * upstream, where most requests just wait for an answer, many are in flight; against a fast one,
 * few. A waiting request whose client has gone is dropped without being handled (and no longer
 * counted as waiting). The number of waiting requests is bounded by the open connections
 * (MAX_CLIENT_CONNECTIONS).
 */
export function createRequestAdmission(handler: RequestListener, options: RequestAdmissionOptions): RequestAdmission {
  const { limits, bypass, onWaited } = options;
  const min = Math.min(limits.min, limits.max);
  const utilization = options.utilization ?? eventLoopUtilization();
  // A slot already admitted, or whose client went away, is cleared (undefined) so that the queue
  // holds no finished request and no closed connection.
  const queue: Array<Waiting | undefined> = [];
  // Consumed from `head`, compacted now and then: Array#shift is O(n) with thousands waiting.
  let head = 0;
  // Where queue[head] sits in arrival order: an abandoned request finds its slot by its number.
  let headNumber = 0;
  // Live waiting requests (the queue's length minus the cleared slots beyond `head`).
  let waitingCount = 0;
  let active = 0;
  let limit = limits.max;

  const timer = setInterval(adapt, limits.intervalMs);
  timer.unref();

  function adapt(): void {
    const busy = utilization();
    if (busy >= limits.saturated) {
      limit = Math.max(min, Math.floor(Math.min(limit, active) * 0.9));
    } else if (busy < limits.spare && waitingCount > 0) {
      limit = Math.min(limits.max, Math.ceil(limit * 1.25));
      admit();
    }
  }

  function admit(): void {
    while (head < queue.length && active < limit) {
      const next = queue[head];
      queue[head] = undefined;
      head += 1;
      headNumber += 1;
      if (!next) continue;
      waitingCount -= 1;
      next.response.off('close', next.onAbandoned);
      if (next.response.destroyed || next.request.socket.destroyed) continue;
      onWaited?.((performance.now() - next.since) / 1_000);
      start(next.request, next.response);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }

  function wait(request: IncomingMessage, response: ServerResponse): void {
    const number = headNumber + (queue.length - head);
    const entry: Waiting = {
      request,
      response,
      since: performance.now(),
      onAbandoned: () => {
        // Its slot is freed now, not when its turn comes: the gauge and the memory follow at once.
        const index = head + (number - headNumber);
        if (queue[index] !== entry) return;
        queue[index] = undefined;
        waitingCount -= 1;
      },
    };
    queue.push(entry);
    waitingCount += 1;
    response.once('close', entry.onAbandoned);
  }

  function release(): void {
    active -= 1;
    admit();
  }

  function start(request: IncomingMessage, response: ServerResponse): void {
    active += 1;
    response.once('close', release);
    handler(request, response);
  }

  const listener: RequestListener = (request, response) => {
    if (bypass?.(request)) {
      handler(request, response);
    } else if (active < limit && head === queue.length) {
      start(request, response);
    } else {
      wait(request, response);
    }
  };

  return {
    listener,
    inFlight: () => active,
    waiting: () => waitingCount,
    limit: () => limit,
    close: () => clearInterval(timer),
  };
}

/** The event loop's utilization since the previous call (Node's own measure: time not idle in the poll phase). */
function eventLoopUtilization(): () => number {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, previous);
    previous = now;
    return since.utilization;
  };
}
