import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { batchRequests, GraphQLClient } from 'graphql-request';
import { describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/limits.js';
import { AUTH, upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';

/** Batching: a JSON array body runs up to GRAPHQL_BATCH_LIMIT operations, each under the operation limits. */

const balance = (userId: string) => ({ query: `{ coinBalance(userId: "${userId}") { userId coins } }` });

describe('GRAPHQL_BATCH_LIMIT (default 10)', () => {
  const gateway = useTestGateway();

  it('a JSON array of operations gets a JSON array of results, in order', async () => {
    const response = await gateway.post([balance('U1'), { query: '{ __typename }' }, balance('U2')]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { data: { coinBalance: { userId: 'U1', coins: 0 } } },
      { data: { __typename: 'Query' } },
      { data: { coinBalance: { userId: 'U2', coins: 0 } } },
    ]);
  });

  it('each operation is judged on its own: one invalid or too-large operation fails alone', async () => {
    const aliases = Array.from(
      { length: OPERATION_LIMITS.maxAliases + 1 },
      (_, i) => `b${i}: coinBalance(userId: "U${i}") { coins }`,
    );
    const response = await gateway.post([{ query: `{ ${aliases.join(' ')} }` }, balance('U1'), { query: '{ nope }' }]);
    const results = (await response.json()) as Array<{
      data?: unknown;
      errors?: Array<{ extensions: { code: string } }>;
    }>;
    expect(results.map((result) => result.errors?.[0]?.extensions.code ?? 'OK')).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
      'OK',
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(results[1]).toEqual({ data: { coinBalance: { userId: 'U1', coins: 0 } } });
    expect(upstreamCalls(gateway.sandbox)).toEqual(['GET /api/v0/coins/balance?userId=U1']);
  });

  it.each(['application/graphql-response+json', 'Application/JSON'])(
    'a batch sent as %j runs like one sent as application/json',
    async (contentType) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: AUTH },
        body: JSON.stringify([balance('U1'), { query: '{ __typename }' }]),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([
        { data: { coinBalance: { userId: 'U1', coins: 0 } } },
        { data: { __typename: 'Query' } },
      ]);
    },
  );

  it('an entry that is not an object is BAD_REQUEST on its own, the others run', async () => {
    const response = await gateway.post([balance('U1'), null, 1, 'x']);
    expect(response.status).toBe(200);
    const badEntry = (given: string) => ({
      errors: [{ message: `Expected params to be an object but given ${given}.`, extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(await response.json()).toEqual([
      { data: { coinBalance: { userId: 'U1', coins: 0 } } },
      badEntry('null'),
      badEntry('number'),
      badEntry('string'),
    ]);
    expect(upstreamCalls(gateway.sandbox)).toEqual(['GET /api/v0/coins/balance?userId=U1']);
  });

  it('11 operations are refused (413 BAD_REQUEST) before any of them runs', async () => {
    const response = await gateway.post(Array.from({ length: 11 }, (_, i) => balance(`U${i}`)));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Batching is limited to 10 operations per request.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it("Apollo's BatchHttpLink sends several queries in one request", async () => {
    let requests = 0;
    const client = new ApolloClient({
      link: new BatchHttpLink({
        uri: `${gateway.url}/graphql`,
        headers: { authorization: AUTH },
        batchMax: 10,
        batchInterval: 20,
        fetch: async (input, init) => {
          requests += 1;
          return fetch(input, init);
        },
      }),
      cache: new InMemoryCache(),
    });
    const query = gql`
      query Balance($userId: ID!) { coinBalance(userId: $userId) { id coins } }
    `;
    const results = await Promise.all(
      ['U1', 'U2', 'U3'].map((userId) => client.query({ query, variables: { userId } })),
    );
    expect(results.map((result) => result.data)).toEqual(
      ['U1', 'U2', 'U3'].map((id) => ({ coinBalance: { __typename: 'CoinBalance', id, coins: 0 } })),
    );
    expect(requests).toBe(1);
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual([
      'GET /api/v0/coins/balance?userId=U1',
      'GET /api/v0/coins/balance?userId=U2',
      'GET /api/v0/coins/balance?userId=U3',
    ]);
  });

  it("graphql-request's batchRequests: results in order, a failing operation reported with its code", async () => {
    const results = await batchRequests(
      `${gateway.url}/graphql`,
      [
        { document: '{ coinBalance(userId: "U1") { coins } }' },
        { document: 'query($id: ID!) { coinEvent(coinConfigId: $id) { amount } }', variables: { id: 'WCC000001' } },
      ],
      { authorization: AUTH },
    );
    expect(results).toEqual([{ data: { coinBalance: { coins: 0 } } }, { data: { coinEvent: null } }]);

    const failure = await batchRequests(`${gateway.url}/graphql`, [
      { document: '{ __typename }' },
      { document: 'query($id: ID!) { coinEvent(coinConfigId: $id) { amount } }', variables: { id: 5.5 } },
    ]).catch((error: unknown) => error);
    const errors = (failure as { response: Array<{ errors?: Array<{ extensions: { code: string } }> }> }).response;
    expect(errors[1]?.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it("graphql-request's client reads extensions.code from an application/json-only error response", async () => {
    const client = new GraphQLClient(`${gateway.url}/graphql`, {
      headers: { authorization: AUTH, accept: 'application/json' },
    });
    const failure = await client.request('{ nope }').catch((error: unknown) => error);
    const response = (failure as { response: { status: number; errors: Array<{ extensions: { code: string } }> } })
      .response;
    expect(response.status).toBe(200);
    expect(response.errors[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('GRAPHQL_BATCH_LIMIT=0 turns batching off', () => {
  const gateway = useTestGateway({ GRAPHQL_BATCH_LIMIT: '0' });

  it('a JSON array body is refused (400) and nothing runs', async () => {
    const response = await gateway.post([balance('U1')]);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});

describe('GRAPHQL_BATCH_LIMIT=2', () => {
  const gateway = useTestGateway({ GRAPHQL_BATCH_LIMIT: '2' });

  it('runs two, refuses three', async () => {
    expect((await gateway.post([balance('U1'), balance('U2')])).status).toBe(200);
    const refused = await gateway.post([balance('U1'), balance('U2'), balance('U3')]);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      errors: [{ message: 'Batching is limited to 2 operations per request.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });
});
