import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useResponseLimits } from '../../src/plugins/response-limits.js';

// The byte bound is the last line of defence: within the gateway's other limits only aliased
// introspections come near it (test/integration/request-bounds.test.ts), so it is shown on a small
// yoga with a small bound.
function yogaAnswering(text: string, limits: { maxErrors: number; maxBytes: number }) {
  return createYoga({
    cors: { origin: 'https://app.example.com', credentials: false },
    batching: true,
    schema: createSchema({
      typeDefs: 'type Query { text: String, failures(count: Int!): [String] }',
      resolvers: {
        Query: {
          text: () => text,
          failures: (_root: unknown, { count }: { count: number }) =>
            Array.from({ length: count }, (_, i) => new Error(`failure ${i}`)),
        },
      },
    }),
    maskedErrors: false,
    logging: false,
    plugins: [useResponseLimits(limits)],
  });
}

async function ask(yoga: ReturnType<typeof yogaAnswering>, query: string, accept = 'application/json') {
  const response = await yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as unknown,
  };
}

describe('useResponseLimits', () => {
  const bound = JSON.stringify({ data: { text: 'x'.repeat(50) } }).length;

  it('sends a response at the byte bound as it is', async () => {
    const yoga = yogaAnswering('x'.repeat(50), { maxErrors: 10, maxBytes: bound });
    expect(await ask(yoga, '{ text }')).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { data: { text: 'x'.repeat(50) } },
    });
  });

  it('replaces a larger one by RESPONSE_TOO_LARGE, keeping its status and media type', async () => {
    const yoga = yogaAnswering('x'.repeat(51), { maxErrors: 10, maxBytes: bound });
    expect(await ask(yoga, '{ text }', 'application/graphql-response+json')).toEqual({
      status: 200,
      type: 'application/graphql-response+json; charset=utf-8',
      body: {
        errors: [
          {
            message: `The response would be ${bound + 1} bytes; the gateway sends at most ${bound}. Ask for less in one operation.`,
            extensions: { code: 'RESPONSE_TOO_LARGE' },
          },
        ],
      },
    });
  });

  it("keeps the answer's headers (CORS, so that a browser app can read the error)", async () => {
    const yoga = yogaAnswering('x'.repeat(51), { maxErrors: 10, maxBytes: bound });
    const response = await yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
      body: JSON.stringify({ query: '{ text }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const text = await response.text();
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: 'RESPONSE_TOO_LARGE' } }] });
  });

  it('answers a batch with an array: the error once per operation', async () => {
    const yoga = yogaAnswering('x'.repeat(51), { maxErrors: 10, maxBytes: bound });
    const response = await yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ text }' }, { query: '{ __typename }' }]),
    });
    const body = (await response.json()) as unknown[];
    expect(body).toHaveLength(2);
    for (const result of body)
      expect(result).toMatchObject({ errors: [{ extensions: { code: 'RESPONSE_TOO_LARGE' } }] });
  });

  it('keeps the first maxErrors errors and counts the others in extensions.omittedErrors', async () => {
    const yoga = yogaAnswering('', { maxErrors: 3, maxBytes: 100_000 });
    const { body } = (await ask(yoga, '{ failures(count: 5) }')) as {
      body: { errors: Array<{ message: string }>; extensions: unknown };
    };
    expect(body.errors.map((error) => error.message)).toEqual(['failure 0', 'failure 1', 'failure 2']);
    expect(body.extensions).toEqual({ omittedErrors: 2 });
  });

  it('leaves a result within maxErrors untouched', async () => {
    const yoga = yogaAnswering('', { maxErrors: 3, maxBytes: 100_000 });
    const { body } = (await ask(yoga, '{ failures(count: 3) }')) as {
      body: { errors: unknown[]; extensions?: unknown };
    };
    expect(body.errors).toHaveLength(3);
    expect(body.extensions).toBeUndefined();
  });
});
