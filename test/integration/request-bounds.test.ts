// In-process: the document and the operation name are bounded in bytes
// before parsing, validation and execution errors are bounded in number, and every error a client
// can get here has a documented code. The same requests against a 192 MB heap, concurrently, are
// in hostile-requests.test.ts.

import { describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/limits.js';
import { hugeNameDocument } from '../helpers/hostile-documents.js';
import { useTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway.js';

const gateway = useTestGateway();

/** `{ __typename }` padded with a comment (no tokens) to exactly `bytes` bytes. */
function documentOfBytes(bytes: number): string {
  const head = '{ __typename }\n#';
  return head + 'x'.repeat(bytes - head.length);
}

async function post(body: unknown): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await gateway.post(body);
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

describe('the document and the operation name are bounded in bytes', () => {
  it(`accepts a document of exactly ${OPERATION_LIMITS.maxDocumentBytes} bytes`, async () => {
    expect(await post({ query: documentOfBytes(OPERATION_LIMITS.maxDocumentBytes) })).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
  });

  it('refuses one byte more before parsing: 400 GRAPHQL_PARSE_FAILED', async () => {
    expect(await post({ query: documentOfBytes(OPERATION_LIMITS.maxDocumentBytes + 1) })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: `The GraphQL document is longer than ${OPERATION_LIMITS.maxDocumentBytes} bytes.`,
            extensions: { code: 'GRAPHQL_PARSE_FAILED' },
          },
        ],
      },
    });
  });

  it('counts bytes, not characters: multi-byte characters in a comment count for their UTF-8 length', async () => {
    // 'é' is 2 bytes: half as many characters as the limit, one byte over it.
    const head = '{ __typename }\n#';
    const query = head + 'é'.repeat((OPERATION_LIMITS.maxDocumentBytes - head.length) / 2) + 'x';
    expect(query.length).toBeLessThan(OPERATION_LIMITS.maxDocumentBytes);
    expect((await post({ query })).status).toBe(400);
  });

  it('refuses a 1 MB operation name with an undefined $x used 150 times with one short error', async () => {
    const response = await gateway.post({ query: hugeNameDocument() });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      errors: [
        {
          message: `The GraphQL document is longer than ${OPERATION_LIMITS.maxDocumentBytes} bytes.`,
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
    });
    expect(text.length).toBeLessThan(200);
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it(`accepts an operation name of ${OPERATION_LIMITS.maxOperationNameBytes} bytes`, async () => {
    const name = 'N'.repeat(OPERATION_LIMITS.maxOperationNameBytes);
    expect(await post({ query: `query ${name} { __typename }`, operationName: name })).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
  });

  it('refuses a longer operation name in the document before validation could repeat it', async () => {
    const name = 'N'.repeat(OPERATION_LIMITS.maxOperationNameBytes + 1);
    // Within the document limit, with 150 undefined variables: without the bound, 20 errors would each carry the name.
    expect(await post({ query: hugeNameDocument(OPERATION_LIMITS.maxOperationNameBytes + 1, 20) })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: `An operation name is ${name.length} bytes long; at most ${OPERATION_LIMITS.maxOperationNameBytes} are accepted.`,
            extensions: { code: 'GRAPHQL_PARSE_FAILED' },
          },
        ],
      },
    });
  });

  it('refuses a longer operationName in the request: 400 BAD_REQUEST', async () => {
    const operationName = 'N'.repeat(OPERATION_LIMITS.maxOperationNameBytes + 1);
    expect(await post({ query: '{ __typename }', operationName })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: `operationName is longer than ${OPERATION_LIMITS.maxOperationNameBytes} bytes.`,
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      },
    });
  });
});

describe('validation reports a bounded number of errors, and says when it stopped', () => {
  it(`150 uses of an undefined $x: ${OPERATION_LIMITS.maxValidationErrors} errors and one that explains the rest`, async () => {
    const uses = Array.from({ length: 150 }, () => '$x').join(', ');
    const { status, body } = await post({ query: `query Q { coinBalances(userIds: [${uses}]) { coins } }` });
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(OPERATION_LIMITS.maxValidationErrors + 1);
    for (const error of body.errors!.slice(0, -1)) {
      expect(error).toMatchObject({
        message: 'Variable "$x" is not defined by operation "Q".',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
    }
    expect(body.errors!.at(-1)).toEqual({
      message: `Validation stopped after ${OPERATION_LIMITS.maxValidationErrors} errors; the document may have more. Fix these and send it again.`,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });
});

describe('every error has a documented code', () => {
  it('a subscription: 400 GRAPHQL_VALIDATION_FAILED, subscriptions are not served', async () => {
    expect(await post({ query: 'subscription Watch { coinBalance(userId: "EKQZVMQK") { coins } }' })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: 'Subscriptions are not supported: this gateway serves queries and mutations only.',
            locations: [{ line: 1, column: 1 }],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      },
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['an unknown operationName', { query: 'query A { __typename }', operationName: 'B' }],
    ['several operations and no operationName', { query: 'query A { __typename } query B { __typename }' }],
  ])("%s: 400 OPERATION_RESOLUTION_FAILURE (yoga's code)", async (_label, body) => {
    expect(await post(body)).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: 'Could not determine what operation to execute.',
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
          },
        ],
      },
    });
  });
});

describe('execution errors are bounded in number', () => {
  it(`200 failing list entries: the first ${OPERATION_LIMITS.maxResponseErrors} errors, and how many were left out`, async () => {
    gateway.sandbox.faults.inject({
      path: '/api/v0/coins/balance',
      times: Infinity,
      action: { kind: 'respond', status: 403 },
    });
    const ids = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i}`);
    const { status, body } = await post({
      query:
        'query($a: [ID!]!, $b: [ID!]!) { a: coinBalances(userIds: $a) { coins } b: coinBalances(userIds: $b) { coins } }',
      variables: { a: ids('A'), b: ids('B') },
    });
    expect(status).toBe(200);
    expect(gateway.sandbox.requests).toHaveLength(200);
    expect(body.data).toEqual({ a: Array(100).fill(null), b: Array(100).fill(null) });
    expect(body.errors).toHaveLength(OPERATION_LIMITS.maxResponseErrors);
    expect(new Set(body.errors!.map((error) => error.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
    expect((body as { extensions?: unknown }).extensions).toEqual({
      omittedErrors: 200 - OPERATION_LIMITS.maxResponseErrors,
    });
  });
});

describe(`a response over ${OPERATION_LIMITS.maxResponseBytes} bytes is replaced by RESPONSE_TOO_LARGE`, () => {
  // About 500 KB of the schema's own descriptions: 20 aliased introspections, within every other limit.
  const types =
    '__schema { types { name kind description fields { name description args { name description defaultValue type { name kind } } ' +
    'type { name kind ofType { name kind ofType { name kind } } } } inputFields { name description defaultValue type { name kind } } ' +
    'enumValues { name description } possibleTypes { name } interfaces { name } } }';
  const introspections = `{ ${Array.from({ length: 20 }, (_, i) => `s${i}: ${types}`).join(' ')} }`;
  const origin = 'https://app.example.com';

  it("metrics and the access log tell RESPONSE_TOO_LARGE, the answer the client got, not the operations' own outcome", async () => {
    const post = (body: unknown, requestId: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(body),
      }).then((response) => response.json());
    const errorsBefore = await errorCount(gateway, 'RESPONSE_TOO_LARGE');
    // One such query is about 500 KB, under the bound (and it runs): three in a batch are over it.
    const answer = await post(
      [
        { query: `query HugeA ${introspections}` },
        { query: `query HugeB ${introspections}` },
        { query: `query HugeC ${introspections}` },
        { query: 'query Small { __typename }' },
      ],
      'too-large-batch',
    );
    expect(answer).toHaveLength(4);
    const lines = gateway.logs
      .filter((line) => line.event === 'operation' && line.requestId === 'too-large-batch')
      .map(({ operationName, outcome, errorCodes }) => ({ operationName, outcome, errorCodes }));
    const tooLarge = { outcome: 'error', errorCodes: ['RESPONSE_TOO_LARGE'] };
    expect(lines).toEqual([
      { operationName: 'HugeA', ...tooLarge },
      { operationName: 'HugeB', ...tooLarge },
      { operationName: 'HugeC', ...tooLarge },
      { operationName: 'Small', ...tooLarge },
    ]);
    expect((await errorCount(gateway, 'RESPONSE_TOO_LARGE')) - errorsBefore).toBe(4);
  });

  it('a batch whose answer is too large: one error per operation, in an array, with the CORS headers and the request id', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-request-id': 'too-large-1' },
      body: JSON.stringify([
        { query: introspections },
        { query: introspections },
        { query: introspections },
        { query: '{ __typename }' },
      ]),
    });
    expect(response.status).toBe(200);
    // A browser app on an allowed origin can read the answer (sandbox mode allows any origin: `*`).
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('x-request-id')).toBe('too-large-1');
    const body = (await response.json()) as GraphQLResponse[];
    expect(body).toHaveLength(4);
    for (const result of body) {
      expect(result).toEqual({
        errors: [
          {
            message: expect.stringMatching(
              new RegExp(
                `^The response would be \\d+ bytes; the gateway sends at most ${OPERATION_LIMITS.maxResponseBytes}\\.`,
              ),
            ),
            extensions: { code: 'RESPONSE_TOO_LARGE' },
          },
        ],
      });
    }
  });
});

describe('answers are JSON only: no streamed answer (SSE, multipart) escapes the byte bound', () => {
  it.each(['text/event-stream', 'multipart/mixed'])(
    'a client that accepts only %s gets 406, listing the JSON types',
    async (accept) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(406);
      expect(await response.text()).toBe('');
      expect(response.headers.get('accept')).toBe('application/graphql-response+json; charset=utf-8, application/json');
    },
  );

  it('a client that also accepts JSON gets JSON', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream, multipart/mixed, application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('a client that accepts only application/json reads the same codes with HTTP 200 (README, Errors)', () => {
  it.each([
    ['a document over the limit', { query: hugeNameDocument() }, 'GRAPHQL_PARSE_FAILED', 200],
    [
      'an operation name over the limit',
      { query: hugeNameDocument(OPERATION_LIMITS.maxOperationNameBytes + 1, 2) },
      'GRAPHQL_PARSE_FAILED',
      200,
    ],
    ['a subscription', { query: 'subscription { __typename }' }, 'GRAPHQL_VALIDATION_FAILED', 200],
    [
      'an operationName over the limit (a malformed request: 400 either way)',
      { query: '{ __typename }', operationName: 'N'.repeat(300) },
      'BAD_REQUEST',
      400,
    ],
  ])('%s', async (_label, body, code, status) => {
    const response = await gateway.post(body, { accept: 'application/json' });
    expect(response.status).toBe(status);
    const answer = (await response.json()) as GraphQLResponse;
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual([code]);
  });
});

/** coins_gateway_errors_total{code} in the gateway's own registry (what /metrics would show). */
async function errorCount(gateway: TestGateway, code: string): Promise<number> {
  const metric = gateway.app.observability.metrics.registry.getSingleMetric('coins_gateway_errors_total');
  const values = (await metric?.get())?.values ?? [];
  return values.find((sample) => sample.labels.code === code)?.value ?? 0;
}
