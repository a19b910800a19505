import type { SandboxServer } from '../../src/sandbox/index.js';

/**
 * Arrival times (performance.now()) of the API requests the sandbox records from now on. The
 * sandbox records a request the moment it has read it, before any delay fault starts.
 */
export function recordArrivals(sandbox: SandboxServer): { times: number[]; stop(): void } {
  const times: number[] = [];
  const requests = sandbox.requests;
  const push = requests.push;
  requests.push = function (...items) {
    for (let i = 0; i < items.length; i += 1) times.push(performance.now());
    return push.apply(this, items);
  };
  return {
    times,
    stop() {
      requests.push = push;
    },
  };
}
