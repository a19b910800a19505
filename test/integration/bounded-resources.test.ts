import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { MAX_REQUEST_BODY_BYTES } from '../../src/limits.js';
import { listen } from '../../src/server/http-server.js';
import { jsonReply } from '../helpers/fault-actions.js';
import { fieldError } from '../helpers/graphql-assertions.js';
import { listenOnLoopback } from '../helpers/loopback-server.js';
import { AUTH, startTestGateway, upstreamCalls, useTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { CREATE_PATH, balancePath } from '../helpers/upstream-paths.js';

// Bounded resources: at most COINS_API_MAX_CONNECTIONS upstream connections, upstream
// bodies over COINS_API_MAX_BODY_BYTES cut off (UPSTREAM_BAD_RESPONSE, never buffered whole),
// and server timeouts so that slow clients cannot pin the gateway.

const COIN_BALANCE = `query($userId: ID!) { coinBalance(userId: $userId) { userId coins } }`;

/** A hand-made upstream that counts open sockets and requests in flight, answering after a delay. */
async function startCountingUpstream(answerAfterMs: number) {
  let openSockets = 0;
  let maxOpenSockets = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const remotePorts = new Set<number>();
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const userId = new URL(req.url ?? '/', 'http://x').searchParams.get('userId');
    setTimeout(() => {
      inFlight -= 1;
      res.setHeader('content-type', 'application/json');
      res.end(`{"response_code":0,"response_message":"Success","payload":${userId?.length ?? 0}}`);
    }, answerAfterMs);
  });
  server.on('connection', (socket) => {
    openSockets += 1;
    maxOpenSockets = Math.max(maxOpenSockets, openSockets);
    if (socket.remotePort !== undefined) remotePorts.add(socket.remotePort);
    socket.on('close', () => {
      openSockets -= 1;
    });
  });
  return {
    url: await listenOnLoopback(server),
    stats: () => ({ requests, maxOpenSockets, maxInFlight, distinctSockets: remotePorts.size }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('COINS_API_MAX_CONNECTIONS=2', () => {
  let upstream: Awaited<ReturnType<typeof startCountingUpstream>>;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startCountingUpstream(100);
    gateway = await startTestGateway(
      { COINS_API_MAX_CONNECTIONS: '2', COINS_API_TIMEOUT_MS: '10000' },
      { upstreamUrl: upstream.url },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('12 concurrent operations share 2 upstream connections: all answered, never more than 2 sockets', async () => {
    const userIds = Array.from({ length: 12 }, (_, i) => `USER${'X'.repeat(i)}`);
    const started = performance.now();
    const results = await Promise.all(userIds.map((userId) => gateway.gql(COIN_BALANCE, { userId })));
    const elapsed = performance.now() - started;
    expect(results).toEqual(userIds.map((userId) => ({ data: { coinBalance: { userId, coins: userId.length } } })));
    expect(upstream.stats()).toEqual({ requests: 12, maxOpenSockets: 2, maxInFlight: 2, distinctSockets: 2 });
    // 12 answers of 100 ms through 2 connections take at least 6 rounds.
    expect(elapsed).toBeGreaterThanOrEqual(550);
  });
});

describe('COINS_API_MAX_BODY_BYTES=1024', () => {
  let gateway: TestGateway;
  let endless: Server;
  let endlessUrl: string;
  let endlessGateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ COINS_API_MAX_BODY_BYTES: '1024', COINS_API_TIMEOUT_MS: '3000' });
    // An upstream that streams a never-ending chunked body (no content-length): only a
    // streaming cap can stop it; a gateway that buffered would run into its deadline instead.
    endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"response_code":0,"response_message":"');
      const chunk = 'x'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          /* fill the socket buffer */
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    endlessUrl = await listenOnLoopback(endless);
    endlessGateway = await startTestGateway(
      { COINS_API_MAX_BODY_BYTES: '1024', COINS_API_TIMEOUT_MS: '3000' },
      { upstreamUrl: endlessUrl },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await endlessGateway.close();
    endless.closeAllConnections();
    await new Promise<void>((resolve) => endless.close(() => resolve()));
  });

  it('a 2 KB answer is cut off → UPSTREAM_BAD_RESPONSE (not retryable), 1 request; the next call works', async () => {
    const big = `{"response_code":0,"response_message":"${'y'.repeat(2048)}","payload":5}`;
    gateway.sandbox.faults.inject({ action: jsonReply(200, big) });
    const result = await gateway.gql(COIN_BALANCE, { userId: 'USER1' });
    const badResponse = { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200 } };
    expect(result).toEqual({
      data: { coinBalance: null },
      errors: [fieldError(['coinBalance'], 'The coins API sent a response the gateway cannot read.', badResponse, 23)],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${balancePath('USER1')}`]);

    // The process stays healthy: a normal-sized answer right after is served.
    expect(await gateway.gql(COIN_BALANCE, { userId: 'USER2' })).toEqual({
      data: { coinBalance: { userId: 'USER2', coins: 0 } },
    });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('a body exactly at the cap is read', async () => {
    const padding = 1024 - '{"response_code":0,"response_message":"","payload":7}'.length;
    const exact = `{"response_code":0,"response_message":"${'z'.repeat(padding)}","payload":7}`;
    expect(Buffer.byteLength(exact)).toBe(1024);
    gateway.sandbox.faults.inject({ action: jsonReply(200, exact) });
    expect(await gateway.gql(COIN_BALANCE, { userId: 'USER3' })).toEqual({
      data: { coinBalance: { userId: 'USER3', coins: 7 } },
    });
  });

  it('an endless streamed body is cut off at the cap, long before the deadline', async () => {
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const result = await endlessGateway.gql(COIN_BALANCE, { userId: 'USER1' });
    expect(result.errors?.map((error) => error.extensions)).toEqual([
      { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200 } },
    ]);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('HTTP server timeouts against slow clients', () => {
  it('the real server is built with the documented timeouts', async () => {
    const gateway = await startTestGateway();
    try {
      const { server } = gateway.listening;
      expect({
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        keepAliveTimeout: server.keepAliveTimeout,
      }).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 });
    } finally {
      await gateway.close();
    }
  });

  it('closes a client that trickles its headers, on time, and keeps serving others', async () => {
    // The same listen() with short limits, so the test does not wait 10 s.
    const gateway = await startTestGateway();
    const slowServer = await listen(gateway.app.gateway, 0, '127.0.0.1', {
      headersTimeout: 300,
      requestTimeout: 600,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 100,
    });
    try {
      const socket = connect(slowServer.port, '127.0.0.1');
      const started = performance.now();
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\n');
      // One header byte every 50 ms: the headers never complete.
      const trickle = setInterval(() => socket.write('X'), 50);
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      clearInterval(trickle);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(2_000);
      expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);

      const response = await fetch(`${slowServer.url}/health`);
      expect(response.status).toBe(200);
    } finally {
      slowServer.server.closeAllConnections();
      await new Promise<void>((resolve) => slowServer.server.close(() => resolve()));
      await gateway.close();
    }
  });
});

/** POSTs `body` in chunks with Transfer-Encoding: chunked (no Content-Length), as a stream does. */
function postChunked(url: string, body: string, chunkBytes = 64 * 1024): Promise<Response> {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: AUTH },
    body: stream,
    // @ts-expect-error -- required by fetch for a streamed body, missing from the DOM types
    duplex: 'half',
  });
}

/** Sends raw bytes as one HTTP/1.1 request and returns the raw answer (the connection is closed). */
function rawRequest(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * One request with `Expect: 100-continue`, as curl sends a large body: the headers first; the body
 * only after a "100 Continue" (none is sent when the answer comes first). Returns everything the
 * server sent, once it closes the connection or has sent a complete final answer.
 */
function expectContinueExchange(url: string, body: string, declaredLength = Buffer.byteLength(body)): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${AUTH}\r\n` +
          `Content-Length: ${declaredLength}\r\nExpect: 100-continue\r\n\r\n`,
      ),
    );
    let answer = '';
    let bodySent = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (!bodySent && answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        bodySent = true;
        socket.write(body);
      }
      // A final answer with a Content-Length is complete when that many bytes follow its head.
      const final = answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const head = final.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(final.slice(0, head))?.[1];
      if (head >= 0 && length !== undefined && Buffer.byteLength(final.slice(head + 4)) >= Number(length)) {
        socket.end();
        resolve(answer);
      }
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('request bodies', () => {
  const gateway = useTestGateway();

  // The padding is JSON whitespace after the query, not part of the GraphQL document (which has a
  // limit of its own, far below the body's: OPERATION_LIMITS.maxDocumentBytes).
  const createQuery = (padding: string) =>
    `${JSON.stringify({
      query: `mutation { createCoinEvent(input: { configuration: DEFAULT, companyId: "BIG", event: "LIMIT", amount: 1 }) { coinConfigId } }`,
    }).slice(0, -1)}${padding}}`;

  it('a chunked body (no Content-Length) over 1 MiB is refused with 413 and never reaches the upstream', async () => {
    const response = await postChunked(gateway.url, createQuery(' '.repeat(MAX_REQUEST_BODY_BYTES)));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
    expect(await gateway.gql('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });

  it('a chunked body within 1 MiB is read whole and executed', async () => {
    const body = createQuery(' '.repeat(200_000));
    const response = await postChunked(gateway.url, body, 16 * 1024);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { createCoinEvent: { coinConfigId: expect.stringMatching(/^WCC\d+$/) } },
    });
    expect(gateway.sandbox.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: 'POST',
        path: CREATE_PATH,
        body: '{"configuration":"DEFAULT","companyId":"BIG","event":"LIMIT","amount":1}',
      },
    ]);
  });

  it('a body of exactly 1 MiB with its Content-Length is accepted; one byte more is refused', async () => {
    const exact = createQuery('');
    const padded = exact.slice(0, -1) + ' '.repeat(MAX_REQUEST_BODY_BYTES - exact.length) + '}';
    expect(Buffer.byteLength(padded)).toBe(MAX_REQUEST_BODY_BYTES);
    // fetch sets Content-Length for a string body.
    const sendExact = (text: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: AUTH,
        },
        body: text,
      });
    const atLimit = await sendExact(padded);
    expect(atLimit.status).toBe(200);
    expect(await atLimit.json()).toEqual({
      data: { createCoinEvent: { coinConfigId: expect.stringMatching(/^WCC\d+$/) } },
    });
    const overLimit = await sendExact(padded + ' ');
    expect(overLimit.status).toBe(413);
    expect((await overLimit.json()).errors[0].extensions).toEqual({ code: 'REQUEST_ENTITY_TOO_LARGE' });
    expect(upstreamCalls(gateway.sandbox)).toHaveLength(1);
  });

  it('a Content-Length that is not one number is refused with 400 and never executed', async () => {
    const body = createQuery('');
    const answer = await rawRequest(
      gateway.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${AUTH}\r\n` +
        `Content-Length: ${body.length}, ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('Expect: 100-continue with a body declared over 1 MiB: 413 at once, no 100 Continue, no upload, connection closed', async () => {
    const answer = await expectContinueExchange(gateway.url, '', MAX_REQUEST_BODY_BYTES + 1);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).not.toContain('100 Continue');
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('Expect: 100-continue with a body within the limit: 100 Continue, then the body is read and executed', async () => {
    const answer = await expectContinueExchange(gateway.url, createQuery(' '.repeat(100_000)));
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(JSON.parse(answer.slice(answer.lastIndexOf('\r\n\r\n') + 4))).toEqual({
      data: { createCoinEvent: { coinConfigId: expect.stringMatching(/^WCC\d+$/) } },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
  });

  it('a body over 1 MiB is refused with 413 before any upstream call, and the server keeps serving', async () => {
    const padding = ' '.repeat(MAX_REQUEST_BODY_BYTES);
    const response = await gateway.post({ query: `{ __typename }${padding}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
    const next = await gateway.gql('{ __typename }');
    expect(next).toEqual({ data: { __typename: 'Query' } });
  });
});
