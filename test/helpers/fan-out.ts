// Observing how many upstream reads the gateway has in flight at once: each GET is held for a
// known time, and the arrival times show when a request could only leave after another was answered.

import { expect } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { recordArrivals } from './upstream-arrivals.js';

/** setTimeout never fires early by more than timer rounding. */
const TIMER_SLACK_MS = 5;

/** Holds every upstream GET for `ms` from now on and records when each arrives (call stop() after). */
export function holdReadsAndRecordArrivals(sandbox: SandboxServer, ms: number): { times: number[]; stop(): void } {
  sandbox.faults.inject({ action: { kind: 'delay', ms }, method: 'GET', times: Infinity });
  return recordArrivals(sandbox);
}

/**
 * With at most `limit` reads in flight, read k can only leave once read k - limit was answered,
 * `heldMs` after it arrived.
 */
export function expectAtMostInFlight(times: number[], limit: number, heldMs: number): void {
  for (let k = limit; k < times.length; k += 1) {
    expect((times[k] as number) - (times[k - limit] as number)).toBeGreaterThanOrEqual(heldMs - TIMER_SLACK_MS);
  }
}

/** The minimum a run of `rounds` held reads one after the other can take. */
export function atLeastRounds(rounds: number, heldMs: number): number {
  return rounds * heldMs - TIMER_SLACK_MS;
}
