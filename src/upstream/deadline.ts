/**
 * One deadline per upstream call, shared by every attempt of it (connect, headers, body and the
 * waits between retries), so a call never outlives COINS_API_TIMEOUT_MS.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly expiresAt: number;
  remainingMs(): number;
}

export function createDeadline(timeoutMs: number): Deadline {
  const expiresAt = Date.now() + timeoutMs;
  return {
    // AbortSignal.timeout's timer is unref'd: a pending deadline never keeps the process alive.
    signal: AbortSignal.timeout(timeoutMs),
    expiresAt,
    remainingMs: () => Math.max(0, expiresAt - Date.now()),
  };
}
