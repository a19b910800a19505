import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_OUTPUT } from '../../src/limits.js';
import { type GatewayProcess, startGatewayProcess, stopGatewayProcesses } from '../helpers/gateway-process.js';
import { AUTH } from '../helpers/test-gateway.js';

// The log reader (a collector, `| tee`, a terminal) can stop reading stdout. The real entry point
// must keep answering and must still exit on SIGTERM: log lines beyond a bounded buffer are dropped
// and counted, never waited for. Every GraphQL operation writes an access log line, so requests
// fill the pipe.

afterAll(stopGatewayProcesses);

// The longest operation name the access log keeps (128 characters) makes each line about 450 bytes.
const OPERATION = `query ${'Q'.repeat(128)} { __typename }`;
// More than the gateway's buffer plus the pipe's (about 1.25 MB of lines reached the reader in
// trials), so about a thousand lines are dropped.
const REQUESTS = Math.ceil((LOG_OUTPUT.maxBufferBytes + 524_288) / 400);
const CONCURRENCY = 25;
/** A request the gateway does not answer within this counts as stalled. */
const REQUEST_DEADLINE_MS = 5_000;

async function driveOperations(gateway: GatewayProcess, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, count - sent) }, async () => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: AUTH },
        body: JSON.stringify({ query: OPERATION }),
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      });
      await response.arrayBuffer();
      return response.status;
    });
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

/** SIGTERM, then the exit code; throws if the process still runs after `ms`. */
async function exitWithin(gateway: GatewayProcess, ms: number): Promise<number | null> {
  gateway.child.kill('SIGTERM');
  const exit = await Promise.race([
    gateway.exited,
    new Promise<undefined>((resolve) => AbortSignal.timeout(ms).addEventListener('abort', () => resolve(undefined))),
  ]);
  if (exit === undefined) throw new Error(`the gateway did not exit within ${ms} ms of SIGTERM`);
  return exit.code;
}

/** After the exit: the rest of stdout, up to its end, has reached `gateway.logs`. */
async function allLinesRead(gateway: GatewayProcess): Promise<void> {
  const stdout = gateway.child.stdout!;
  if (!stdout.closed) await once(stdout, 'close');
}

describe('a log reader that stops reading stdout', { timeout: 90_000 }, () => {
  it.concurrent('requests are still answered and SIGTERM still exits 0 within the flush bound', async () => {
    const gateway = await startGatewayProcess();
    // From here on nobody reads the gateway's stdout: the pipe fills and stays full.
    gateway.child.stdout!.pause();

    const statuses = await driveOperations(gateway, REQUESTS);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    // Shutdown itself takes milliseconds here; the rest is the bounded wait for the stalled pipe.
    expect(await exitWithin(gateway, LOG_OUTPUT.exitFlushMs + 4_000)).toBe(0);
    // Unread output would otherwise hold the pipe open in this worker.
    gateway.child.stdout!.destroy();
  });

  it.concurrent('once the reader resumes, dropped lines are counted and the shutdown lines arrive', async () => {
    const gateway = await startGatewayProcess();
    gateway.child.stdout!.pause();
    const statuses = await driveOperations(gateway, REQUESTS);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    gateway.child.stdout!.resume();
    const report = await gateway.logged('log_lines_dropped');
    expect(report).toMatchObject({ level: 40, msg: expect.stringContaining('stdout') });
    const dropped = report.dropped as number;
    expect(dropped).toBeGreaterThan(0);
    // Every operation either reached the reader or was counted as dropped (nothing else logs here).
    const written = gateway.logs.filter((line) => line.event === 'operation').length;
    expect(written + dropped).toBe(REQUESTS);

    expect(await exitWithin(gateway, LOG_OUTPUT.exitFlushMs + 4_000)).toBe(0);
    await allLinesRead(gateway);
    expect(gateway.logs.map((line) => line.event).slice(-2)).toEqual(['shutdown_started', 'shutdown_complete']);
  });

  it.concurrent('with a reader that keeps reading, nothing is dropped and shutdown_complete is the last line', async () => {
    const gateway = await startGatewayProcess();
    const statuses = await driveOperations(gateway, 200);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    expect(await exitWithin(gateway, 10_000)).toBe(0);
    await allLinesRead(gateway);
    expect(gateway.logs.filter((line) => line.event === 'operation')).toHaveLength(200);
    expect(gateway.logs.some((line) => line.event === 'log_lines_dropped')).toBe(false);
    expect(gateway.logs.at(-1)).toMatchObject({ event: 'shutdown_complete', outcome: 'drained' });
  });
});
