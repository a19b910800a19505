import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useRequestBodyLimit } from '../../src/plugins/request-body-limit.js';

// The plugin in-process (yoga.fetch, no Node HTTP parser in front): over the real server, Node
// itself refuses a malformed Content-Length before the plugin sees it (see
// test/integration/bounded-resources.test.ts), so this is where the plugin's own check is seen.

const LIMIT = 64;
const BODY = JSON.stringify({ query: '{ hello }' }); // 21 bytes

function gatewayWithLimit() {
  let executed = 0;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { hello: String! }',
      resolvers: {
        Query: {
          hello: () => {
            executed += 1;
            return 'world';
          },
        },
      },
    }),
    maxRequestBodySize: false,
    logging: false,
    plugins: [useRequestBodyLimit(LIMIT)],
  });
  return { yoga, executions: () => executed };
}

/** Posts a body to a fresh gateway: what the client gets back, and how often the operation ran. */
async function send(body: BodyInit, headers: Record<string, string> = {}) {
  const { yoga, executions } = gatewayWithLimit();
  const response = await yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body,
    duplex: 'half', // required by fetch for a streamed body
  });
  return { status: response.status, body: await response.json(), executions: executions() };
}

const EXECUTED = { status: 200, body: { data: { hello: 'world' } }, executions: 1 };
const TOO_LARGE = {
  status: 413,
  body: { errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] },
  executions: 0,
};

function streamOf(text: string, chunkBytes: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

describe('useRequestBodyLimit', () => {
  it('executes a request whose Content-Length is within the limit', async () => {
    expect(await send(BODY, { 'content-length': String(BODY.length) })).toEqual(EXECUTED);
  });

  it('refuses a Content-Length over the limit with 413 without executing', async () => {
    const padded = BODY.slice(0, -1) + ' '.repeat(LIMIT + 1 - BODY.length) + '}';
    expect(await send(padded, { 'content-length': String(padded.length) })).toEqual(TOO_LARGE);
  });

  it.each(['21, 21', 'abc', '-1', '2.5e1'])('refuses Content-Length %j with 400 BAD_REQUEST', async (contentLength) => {
    expect(await send(BODY, { 'content-length': contentLength })).toEqual({
      status: 400,
      body: { errors: [{ message: 'Content-Length header is invalid.', extensions: { code: 'BAD_REQUEST' } }] },
      executions: 0,
    });
  });

  it('counts a body without Content-Length and refuses it once it passes the limit', async () => {
    const padded = BODY.slice(0, -1) + ' '.repeat(200) + '}';
    expect(await send(streamOf(padded, 16))).toEqual(TOO_LARGE);
  });

  it('reads a body without Content-Length whole when it stays within the limit', async () => {
    const padded = BODY.slice(0, -1) + ' '.repeat(LIMIT - BODY.length) + '}';
    expect(padded.length).toBe(LIMIT);
    expect(await send(streamOf(padded, 5))).toEqual(EXECUTED);
  });
});
