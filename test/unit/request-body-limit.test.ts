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

function post(yoga: ReturnType<typeof gatewayWithLimit>['yoga'], body: BodyInit, headers: Record<string, string> = {}) {
  return yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body,
    duplex: 'half', // required by fetch for a streamed body
  });
}

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
    const { yoga, executions } = gatewayWithLimit();
    const response = await post(yoga, BODY, { 'content-length': String(BODY.length) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
    expect(executions()).toBe(1);
  });

  it('refuses a Content-Length over the limit with 413 without executing', async () => {
    const { yoga, executions } = gatewayWithLimit();
    const padded = BODY.slice(0, -1) + ' '.repeat(LIMIT + 1 - BODY.length) + '}';
    const response = await post(yoga, padded, { 'content-length': String(padded.length) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    expect(executions()).toBe(0);
  });

  it.each(['21, 21', 'abc', '-1', '2.5e1'])('refuses Content-Length %j with 400 BAD_REQUEST', async (contentLength) => {
    const { yoga, executions } = gatewayWithLimit();
    const response = await post(yoga, BODY, { 'content-length': contentLength });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Content-Length header is invalid.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(executions()).toBe(0);
  });

  it('counts a body without Content-Length and refuses it once it passes the limit', async () => {
    const { yoga, executions } = gatewayWithLimit();
    const padded = BODY.slice(0, -1) + ' '.repeat(200) + '}';
    const response = await post(yoga, streamOf(padded, 16));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    expect(executions()).toBe(0);
  });

  it('reads a body without Content-Length whole when it stays within the limit', async () => {
    const { yoga, executions } = gatewayWithLimit();
    const padded = BODY.slice(0, -1) + ' '.repeat(LIMIT - BODY.length) + '}';
    expect(padded.length).toBe(LIMIT);
    const response = await post(yoga, streamOf(padded, 5));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
    expect(executions()).toBe(1);
  });
});
