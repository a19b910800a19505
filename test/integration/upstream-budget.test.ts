// Before an operation runs, the upstream calls it may need are counted from
// its arguments (variables included); more than MAX_UPSTREAM_CALLS_PER_OPERATION is refused with
// OPERATION_TOO_COMPLEX and nothing is sent upstream.

import { describe, expect, it } from 'vitest';
import { amplificationDocument } from '../helpers/hostile-documents.js';
import { seedConfig } from '../helpers/sandbox-setup.js';
import { upstreamCalls, useTestGateway, type GraphQLResponse } from '../helpers/test-gateway.js';

const gateway = useTestGateway();

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

async function post(
  body: unknown,
  headers: Record<string, string | null> = {},
): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await gateway.post(body, headers);
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

const tooComplex = (needed: number, max = 200) => ({
  status: 400,
  body: {
    errors: [
      {
        message: `This operation may need ${needed} upstream calls; at most ${max} are allowed in one operation. Split it into smaller operations.`,
        extensions: { code: 'OPERATION_TOO_COMPLEX' },
      },
    ],
  },
});

const TWO_LISTS =
  'query($a: [ID!]!, $b: [ID!]!) { a: coinEvents(coinConfigIds: $a) { coinConfigId } b: coinBalances(userIds: $b) { coins } }';

describe('MAX_UPSTREAM_CALLS_PER_OPERATION (default 200)', () => {
  it('20 aliases × coinEvents of 100 ids (2,000 calls) is refused without one upstream call', async () => {
    expect(await post({ query: amplificationDocument() })).toEqual(tooComplex(2000));
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('the same with a garbage token: still refused before any call (no 2000 upstream 401s)', async () => {
    expect(await post({ query: amplificationDocument() }, { authorization: 'Bearer garbage' })).toEqual(
      tooComplex(2000),
    );
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('an operation at exactly the budget runs: 100 + 100 ids given as variables make 200 calls', async () => {
    const { status, body } = await post({ query: TWO_LISTS, variables: { a: ids('A', 100), b: ids('B', 100) } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ a: Array(100).fill(null), b: Array(100).fill({ coins: 0 }) });
    expect(gateway.sandbox.requests).toHaveLength(200);
  });

  it('one call more is refused: the count reads the variables, and a coinBalance costs 1', async () => {
    const query = TWO_LISTS.replace('} }', '} c: coinBalance(userId: "EKQZVMQK") { coins } }');
    expect(await post({ query, variables: { a: ids('A', 100), b: ids('B', 100) } })).toEqual(tooComplex(201));
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it("the same document is counted with each request's own variables (a cheap first request changes nothing)", async () => {
    const query = TWO_LISTS.replace('} }', '} c: coinBalance(userId: "EKQZVMQK") { coins } }');
    const cheap = await post({ query, variables: { a: ids('A', 1), b: ids('B', 1) } });
    expect(cheap.status).toBe(200);
    expect(cheap.body.errors).toBeUndefined();
    expect(gateway.sandbox.requests).toHaveLength(3);
    expect(await post({ query, variables: { a: ids('A', 100), b: ids('B', 100) } })).toEqual(tooComplex(201));
    expect(gateway.sandbox.requests).toHaveLength(3);
  });

  it('a list costs its distinct ids (the loader fetches each once)', async () => {
    const twice = [...ids('A', 50), ...ids('A', 50)];
    const query =
      'query($a: [ID!]!, $b: [ID!]!, $c: [ID!]!) { a: coinEvents(coinConfigIds: $a) { coinConfigId } ' +
      'b: coinBalances(userIds: $b) { coins } c: coinBalances(userIds: $c) { coins } }';
    // 50 + 100 + 50 = 200 (counting list entries it would be 250).
    const { status, body } = await post({ query, variables: { a: twice, b: ids('B', 100), c: ids('C', 50) } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(gateway.sandbox.requests).toHaveLength(200);
  });

  it('a list over 100 ids costs nothing (it makes no call): the client gets its BAD_USER_INPUT', async () => {
    // Counted by entries this would be 150 + 100 = 250 and hide the clearer error.
    const { status, body } = await post({ query: TWO_LISTS, variables: { a: ids('A', 150), b: ids('B', 100) } });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['a'], 'BAD_USER_INPUT']]);
  });
});

describe('_entities (routers) counts like the root lists', () => {
  const ENTITIES =
    'query($a: [_Any!]!, $b: [_Any!]!) { a: _entities(representations: $a) { ... on CoinBalance { coins } } ' +
    'b: _entities(representations: $b) { ... on CoinConfig { amount } } }';
  const balances = (count: number) => ids('U', count).map((userId) => ({ __typename: 'CoinBalance', userId }));
  const configs = (count: number) =>
    ids('WCC', count).map((coinConfigId) => ({ __typename: 'CoinConfig', coinConfigId }));

  it('100 + 100 distinct representations run: 200 calls', async () => {
    const { status, body } = await post({ query: ENTITIES, variables: { a: balances(100), b: configs(100) } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(gateway.sandbox.requests).toHaveLength(200);
  });

  it('one more read in the operation is refused before any call', async () => {
    const query = ENTITIES.replace('} } }', '} } c: coinBalance(userId: "EKQZVMQK") { coins } }');
    expect(await post({ query, variables: { a: balances(100), b: configs(100) } })).toEqual(tooComplex(201));
    expect(gateway.sandbox.requests).toHaveLength(0);
  });
});

describe('MAX_UPSTREAM_CALLS_PER_OPERATION=3', () => {
  const small = useTestGateway({ MAX_UPSTREAM_CALLS_PER_OPERATION: '3' });
  const allocation = (i: number, selection: string) =>
    `a${i}: allocateCoins(input: { companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", requestId: "REQ${i}", userId: "EKQZVMQK" }) { ${selection} }`;

  it('an allocation costs 1, its balance 1 more: 2 + 1 = 3 runs', async () => {
    seedConfig(small.sandbox);
    const result = await small.gql(
      `mutation { ${allocation(1, 'requestId balance { coins }')} ${allocation(2, 'requestId')} }`,
    );
    expect(result).toEqual({ data: { a1: { requestId: 'REQ1', balance: { coins: 6 } }, a2: { requestId: 'REQ2' } } });
    expect(upstreamCalls(small.sandbox)).toEqual([
      'POST /api/v0/enkash-coins/allocate-coin',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'POST /api/v0/enkash-coins/allocate-coin',
    ]);
  });

  it('a document within the budget runs every time, and invalid variables still get BAD_USER_INPUT', async () => {
    seedConfig(small.sandbox);
    const query =
      'mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId balance { coins } } }';
    const input = (requestId: string) => ({
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      requestId,
      userId: 'EKQZVMQK',
    });
    expect(await small.gql(query, { input: input('REQ1') })).toEqual({
      data: { allocateCoins: { requestId: 'REQ1', balance: { coins: 6 } } },
    });
    const invalid = (await (
      await small.post({ query, variables: { input: { ...input('REQ2'), amount: 1 } } })
    ).json()) as GraphQLResponse;
    expect(invalid.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await small.gql(query, { input: input('REQ3') })).toEqual({
      data: { allocateCoins: { requestId: 'REQ3', balance: { coins: 12 } } },
    });
    expect(upstreamCalls(small.sandbox)).toHaveLength(4);
  });

  it('a document over the budget is refused every time it comes', async () => {
    const query = `mutation { ${allocation(1, 'balance { coins }')} ${allocation(2, 'balance { coins }')} }`;
    for (let i = 0; i < 3; i += 1) {
      const response = await small.post({ query });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(tooComplex(4, 3).body);
    }
    expect(small.sandbox.requests).toHaveLength(0);
  });

  it('a document of several operations: the one named is counted, fragments included', async () => {
    const { coinConfigId } = seedConfig(small.sandbox);
    const document = `
      query Cheap { coinEvent(coinConfigId: "${coinConfigId}") { amount } }
      query Costly { ...FourReads }
      fragment FourReads on Query {
        a: coinEvent(coinConfigId: "A") { amount }
        b: coinEvent(coinConfigId: "B") { amount }
        c: coinEvent(coinConfigId: "C") { amount }
        d: coinEvent(coinConfigId: "D") { amount }
      }`;
    const costly = await small.post({ query: document, operationName: 'Costly' });
    expect(costly.status).toBe(400);
    expect(await costly.json()).toEqual(tooComplex(4, 3).body);
    expect(small.sandbox.requests).toHaveLength(0);
    expect(await (await small.post({ query: document, operationName: 'Cheap' })).json()).toEqual({
      data: { coinEvent: { amount: 6 } },
    });
    expect(upstreamCalls(small.sandbox)).toEqual([`GET /api/v0/enkash-coins/${coinConfigId}`]);
  });

  it('two allocations with their balances (4) are refused: no allocation is made', async () => {
    const response = await small.post({
      query: `mutation { ${allocation(1, 'balance { coins }')} ${allocation(2, 'balance { coins }')} }`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(tooComplex(4, 3).body);
    expect(small.sandbox.requests).toHaveLength(0);
  });
});
