import { EventEmitter } from 'node:events';

/**
 * One deadline per upstream call, shared by every attempt of it (connect, headers, body and the
 * waits between retries), so a call never outlives COINS_API_TIMEOUT_MS.
 */
export interface Deadline {
  /** Emits 'abort' when the deadline passes: undici takes an EventEmitter as a request signal. */
  readonly signal: EventEmitter;
  readonly expired: boolean;
  remainingMs(): number;
  /** Cancels the timer once the call is over (a finished call must not keep it alive). */
  dispose(): void;
}

export function createDeadline(timeoutMs: number): Deadline {
  const expiresAt = Date.now() + timeoutMs;
  // An EventEmitter rather than an AbortController: undici accepts either, and the AbortSignal
  // machinery (EventTarget, abort listeners) was a large share of the gateway's CPU per request
  // (README, Performance notes); an emitter and one timer cost next to nothing.
  const signal = new EventEmitter();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    signal.emit('abort');
  }, timeoutMs);
  timer.unref();
  return {
    signal,
    get expired() {
      return expired;
    },
    remainingMs: () => Math.max(0, expiresAt - Date.now()),
    dispose: () => clearTimeout(timer),
  };
}
