import { Client } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type GatewayProcess,
  spawnGatewayProcess,
  startGatewayProcess,
  stopGatewayProcesses,
} from '../helpers/gateway-process.js';
import { AUTH, startTestGateway, upstreamCalls } from '../helpers/test-gateway.js';
import { BALANCE_PATH } from '../helpers/upstream-paths.js';

// Graceful shutdown, on the real entry point (src/main.ts) in a child process, in
// sandbox mode (COINS_API_URL unset): SIGTERM/SIGINT stop accepting, let in-flight operations
// finish (up to SHUTDOWN_TIMEOUT_MS), close the pool and exit 0; a repeated signal joins.
//
// What is observable from outside: the listening socket closes at once, so new connections are
// refused (ECONNREFUSED); /ready's 503 is only visible on a connection that was already open and
// idle, and those are closed as shutdown starts. The readiness flip is asserted in-process below.

const BALANCE_QUERY = `query($userId: ID!) { coinBalance(userId: $userId) { userId coins } }`;

afterAll(stopGatewayProcesses);

function query(gateway: GatewayProcess, userId: string): Promise<Response> {
  return fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTH },
    body: JSON.stringify({ query: BALANCE_QUERY, variables: { userId } }),
  });
}

async function injectFault(gateway: GatewayProcess, rule: unknown): Promise<void> {
  const response = await fetch(`${gateway.sandboxUrl}/__sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify(rule),
  });
  expect(response.status).toBe(204);
}

async function sandboxRequests(gateway: GatewayProcess): Promise<Array<{ method: string; path: string }>> {
  return (await (await fetch(`${gateway.sandboxUrl}/__sandbox/requests`)).json()) as Array<{
    method: string;
    path: string;
  }>;
}

/** Waits until the sandbox has received `count` API requests: the operation is then in flight. */
async function untilUpstreamReceived(gateway: GatewayProcess, count: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await sandboxRequests(gateway)).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the upstream never received the request');
}

/**
 * The error a fetch on a new connection gets, or 'connected'. A connection that races the
 * listener's close (made just as shutdown starts) is accepted by the kernel and then reset:
 * both mean "not served", so both read as 'refused'.
 */
async function newConnection(url: string): Promise<string> {
  try {
    const response = await fetch(`${url}/health`, { headers: { connection: 'close' } });
    await response.arrayBuffer();
    return `connected (${response.status})`;
  } catch (error) {
    const code = String((error as { cause?: { code?: string } }).cause?.code ?? error);
    return code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'refused' : code;
  }
}

// Each test starts its own process (tsx compiles the sources at start-up: seconds on a busy machine).
describe('graceful shutdown of the real entry point', { timeout: 60_000 }, () => {
  it.concurrent('SIGTERM: new connections refused, the in-flight operation completes with data, exit 0', async () => {
    const gateway = await startGatewayProcess({ SHUTDOWN_TIMEOUT_MS: '10000' });
    await injectFault(gateway, { action: { kind: 'delay', ms: 1_200 }, method: 'GET', path: BALANCE_PATH });
    const inFlight = query(gateway, 'USER1');
    await untilUpstreamReceived(gateway, 1);

    const signalled = performance.now();
    gateway.child.kill('SIGTERM');
    await gateway.logged('shutdown_started');
    expect(await newConnection(gateway.url)).toBe('refused');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { coinBalance: { userId: 'USER1', coins: 0 } } });
    const exit = await gateway.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // It waited for the operation (the delay had most of its 1.2 s left), not cut it short.
    expect(exit.at - signalled).toBeGreaterThanOrEqual(800);
    const events = gateway.logs.map((line) => line.event).filter((event) => String(event).startsWith('shutdown'));
    expect(events).toEqual(['shutdown_started', 'shutdown_complete']);
    expect(gateway.logs.find((line) => line.event === 'shutdown_complete')).toMatchObject({ outcome: 'drained' });
  });

  it.concurrent('a second SIGTERM (and a SIGINT) during shutdown do not cut it short', async () => {
    const gateway = await startGatewayProcess({ SHUTDOWN_TIMEOUT_MS: '10000' });
    await injectFault(gateway, { action: { kind: 'delay', ms: 1_200 }, method: 'GET', path: BALANCE_PATH });
    const inFlight = query(gateway, 'USER2');
    await untilUpstreamReceived(gateway, 1);

    gateway.child.kill('SIGTERM');
    await gateway.logged('shutdown_started');
    gateway.child.kill('SIGTERM');
    gateway.child.kill('SIGINT');
    await gateway.logged('shutdown_signal_repeated');
    expect(await newConnection(gateway.url)).toBe('refused');

    const response = await inFlight;
    expect(await response.json()).toEqual({ data: { coinBalance: { userId: 'USER2', coins: 0 } } });
    const exit = await gateway.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(gateway.logs.filter((line) => line.event === 'shutdown_started')).toHaveLength(1);
    // Both repeated signals were seen (the OS may deliver them in either order).
    const repeated = gateway.logs
      .filter((line) => line.event === 'shutdown_signal_repeated')
      .map((line) => String(line.reason));
    expect(repeated.sort()).toEqual(['SIGINT', 'SIGTERM']);
  });

  it.concurrent('SHUTDOWN_TIMEOUT_MS bounds it: a hung operation is cut off and the process exits 0 soon after', async () => {
    // The upstream deadline (10 s default) is far longer than the shutdown timeout on purpose.
    const gateway = await startGatewayProcess({ SHUTDOWN_TIMEOUT_MS: '500' });
    await injectFault(gateway, { action: { kind: 'hang' }, method: 'GET', path: BALANCE_PATH });
    const inFlight = query(gateway, 'USER3').then(
      (response) => `answered ${response.status}`,
      (error: unknown) => `failed: ${String((error as { cause?: { code?: string } }).cause?.code ?? error)}`,
    );
    await untilUpstreamReceived(gateway, 1);

    const signalled = performance.now();
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const took = exit.at - signalled;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(500 + 1_000 + 1_000); // timeout + release bound + margin for a loaded machine
    expect(await inFlight).toBe('failed: UND_ERR_SOCKET');
    expect(gateway.logs.map((line) => line.event)).toContain('shutdown_timeout');
    expect(gateway.logs.find((line) => line.event === 'shutdown_complete')).toMatchObject({ outcome: 'timeout' });
  });

  it.concurrent('SIGINT with nothing in flight: exits 0 promptly', async () => {
    const gateway = await startGatewayProcess();
    const answered = await query(gateway, 'USER4');
    expect(await answered.json()).toEqual({ data: { coinBalance: { userId: 'USER4', coins: 0 } } });
    const signalled = performance.now();
    gateway.child.kill('SIGINT');
    const exit = await gateway.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalled).toBeLessThan(3_000);
    expect(gateway.logs.find((line) => line.event === 'shutdown_started')).toMatchObject({ reason: 'SIGINT' });
    expect(gateway.logs.find((line) => line.event === 'shutdown_complete')).toMatchObject({ outcome: 'drained' });
    expect(await sandboxRequests(gateway).catch(() => 'sandbox closed')).toBe('sandbox closed');
  });

  it.concurrent('bad configuration: exit code 1, one message per problem on stderr, nothing started', async () => {
    const started = spawnGatewayProcess({
      PORT: '99999',
      COINS_API_TIMEOUT_MS: 'soon',
      LOG_LEVEL: 'loud',
      COINS_API_URL: 'ftp://x',
    });
    const exit = await started.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(started.stderr()).toBe(
      [
        'Invalid configuration:',
        '  - PORT must be a whole number from 0 to 65535, got "99999"',
        '  - COINS_API_URL must use http or https, got "ftp:"',
        '  - COINS_API_TIMEOUT_MS must be a whole number from 1 to 600000, got "soon"',
        '  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        '',
      ].join('\n'),
    );
    expect(started.logs).toEqual([]);
  });
});

describe('while shutting down (in-process: app.beginShutdown() without closing the listener)', () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await gateway?.close();
  });

  function keepAliveClient(url: string): Client {
    const client = new Client(url, { keepAliveTimeout: 30_000 });
    clients.push(client);
    return client;
  }

  async function balanceOn(client: Client, userId: string) {
    const response = await client.request({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: AUTH },
      body: JSON.stringify({ query: BALANCE_QUERY, variables: { userId } }),
    });
    return { status: response.statusCode, connection: response.headers.connection, body: await response.body.json() };
  }

  it('/ready answers 200, then 503 once shutdown began; /health stays 200', async () => {
    gateway = await startTestGateway();
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    gateway.app.beginShutdown();
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(503);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('a request on an already open keep-alive connection gets 503 SHUTTING_DOWN with connection: close, and runs nothing', async () => {
    gateway = await startTestGateway();
    const client = keepAliveClient(gateway.url);
    expect(await balanceOn(client, 'USER5')).toEqual({
      status: 200,
      connection: 'keep-alive',
      body: { data: { coinBalance: { userId: 'USER5', coins: 0 } } },
    });
    gateway.app.beginShutdown();
    expect(await balanceOn(client, 'USER6')).toEqual({
      status: 503,
      connection: 'close',
      body: {
        errors: [
          {
            message: 'The gateway is shutting down and did not run this request; send it again (on a new connection).',
            extensions: { code: 'SHUTTING_DOWN', retryable: true },
          },
        ],
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${BALANCE_PATH}?userId=USER5`]);
  });

  it('an operation in flight when shutdown begins is answered, with connection: close', async () => {
    gateway = await startTestGateway();
    gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 300 }, method: 'GET', path: BALANCE_PATH });
    const client = keepAliveClient(gateway.url);
    const inFlight = balanceOn(client, 'USER7');
    for (let i = 0; i < 100 && gateway.sandbox.requests.length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    gateway.app.beginShutdown();
    expect(await inFlight).toEqual({
      status: 200,
      connection: 'close',
      body: { data: { coinBalance: { userId: 'USER7', coins: 0 } } },
    });
  });
});
