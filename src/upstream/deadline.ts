/**
 * One deadline per upstream call, shared by every attempt of it (connect, headers, body and the
 * waits between retries), so a call never outlives COINS_API_TIMEOUT_MS.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly expiresAt: number;
  remainingMs(): number;
  /** Cancels the timer once the call is over (a finished call must not keep it alive). */
  dispose(): void;
}

export function createDeadline(timeoutMs: number): Deadline {
  const expiresAt = Date.now() + timeoutMs;
  const controller = new AbortController();
  // Not AbortSignal.timeout(): its timer cannot be cancelled, so every finished call would keep
  // a timer and a signal alive for the whole timeout (tens of thousands under load).
  const timer = setTimeout(
    () => controller.abort(new DOMException('The upstream call deadline was exceeded.', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  return {
    signal: controller.signal,
    expiresAt,
    remainingMs: () => Math.max(0, expiresAt - Date.now()),
    dispose: () => clearTimeout(timer),
  };
}
