import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { cacheExchange } from '@urql/exchange-graphcache';
import { Client, fetchExchange } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { AUTH, upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';
import { CONFIG_PATH } from '../helpers/upstream-paths.js';

/**
 * CoinConfig.id and CoinBalance.id let the normalized caches of Apollo Client and urql
 * (Graphcache) update objects they already hold from a mutation's result, with no cache
 * configuration: the real client libraries, against the real gateway and sandbox.
 */

const CONFIG = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };
const COIN_EVENT = gql`
  query CoinEvent($coinConfigId: ID!) {
    coinEvent(coinConfigId: $coinConfigId) { id coinConfigId event amount }
  }
`;
const UPDATE = gql`
  mutation Update($coinConfigId: ID!, $input: UpdateCoinEventInput!) {
    updateCoinEvent(coinConfigId: $coinConfigId, input: $input) { id amount }
  }
`;
const BALANCE = gql`
  query Balance($userId: ID!) {
    coinBalance(userId: $userId) { id userId coins }
  }
`;
const ALLOCATE = gql`
  mutation Allocate($input: AllocateCoinsInput!) {
    allocateCoins(input: $input) { requestId balance { id coins } }
  }
`;

const gateway = useTestGateway();

async function createConfig(): Promise<string> {
  const response = await gateway.gql(
    'mutation($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }',
    { input: CONFIG },
  );
  const id = (response.data as { createCoinEvent: { coinConfigId: string } }).createCoinEvent.coinConfigId;
  gateway.sandbox.requests.length = 0;
  return id;
}

/** What a first read and one update of configuration `id` cost upstream when the update needs no refetch. */
const readThenPatch = (id: string) => [`GET ${CONFIG_PATH}${id}`, `PATCH ${CONFIG_PATH}${id}`];

const allocation = (requestId: string) => ({
  companyId: 'CEKEKCARDS',
  event: 'MEAL_CARD_PAYMENT',
  userId: 'EKQZVMQK',
  requestId,
});

describe('id fields', () => {
  it('CoinConfig.id is the coinConfigId and CoinBalance.id the userId', async () => {
    const id = await createConfig();
    const response = await gateway.gql(
      `{ coinEvent(coinConfigId: "${id}") { id coinConfigId } coinBalance(userId: "EKQZVMQK") { id userId } }`,
    );
    expect(response).toEqual({
      data: { coinEvent: { id, coinConfigId: id }, coinBalance: { id: 'EKQZVMQK', userId: 'EKQZVMQK' } },
    });
  });
});

describe('Apollo Client InMemoryCache', () => {
  const apollo = () =>
    new ApolloClient({
      link: new HttpLink({ uri: `${gateway.url}/graphql`, headers: { authorization: AUTH } }),
      cache: new InMemoryCache(),
    });

  it('updates a cached configuration from updateCoinEvent, with no refetch', async () => {
    const id = await createConfig();
    const client = apollo();
    const first = await client.query({ query: COIN_EVENT, variables: { coinConfigId: id } });
    expect(first.data).toEqual({
      coinEvent: { __typename: 'CoinConfig', id, coinConfigId: id, event: 'MEAL_CARD_PAYMENT', amount: 6 },
    });

    await client.mutate({ mutation: UPDATE, variables: { coinConfigId: id, input: { amount: 9 } } });
    expect(client.readQuery({ query: COIN_EVENT, variables: { coinConfigId: id } })).toEqual({
      coinEvent: { __typename: 'CoinConfig', id, coinConfigId: id, event: 'MEAL_CARD_PAYMENT', amount: 9 },
    });
    const again = await client.query({ query: COIN_EVENT, variables: { coinConfigId: id } });
    expect(again.data).toEqual({
      coinEvent: { __typename: 'CoinConfig', id, coinConfigId: id, event: 'MEAL_CARD_PAYMENT', amount: 9 },
    });
    // One read, one PATCH: the second query was answered from the updated cache.
    expect(upstreamCalls(gateway.sandbox)).toEqual(readThenPatch(id));
  });

  it("updates a cached balance from allocateCoins' balance", async () => {
    await createConfig();
    const client = apollo();
    const first = await client.query({ query: BALANCE, variables: { userId: 'EKQZVMQK' } });
    expect(first.data).toEqual({
      coinBalance: { __typename: 'CoinBalance', id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 0 },
    });

    await client.mutate({ mutation: ALLOCATE, variables: { input: allocation('APOLLO_REQ_1') } });
    expect(client.readQuery({ query: BALANCE, variables: { userId: 'EKQZVMQK' } })).toEqual({
      coinBalance: { __typename: 'CoinBalance', id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 6 },
    });
  });
});

describe('urql Graphcache', () => {
  const urql = () =>
    new Client({
      url: `${gateway.url}/graphql`,
      exchanges: [cacheExchange({}), fetchExchange],
      fetchOptions: { headers: { authorization: AUTH } },
    });
  // urql adds __typename to every selection but keeps it out of the data it hands back (non-enumerable).

  it('updates a cached configuration from updateCoinEvent, with no refetch', async () => {
    const id = await createConfig();
    const client = urql();
    const first = await client.query(COIN_EVENT, { coinConfigId: id }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data).toEqual({
      coinEvent: { id, coinConfigId: id, event: 'MEAL_CARD_PAYMENT', amount: 6 },
    });

    const updated = await client.mutation(UPDATE, { coinConfigId: id, input: { amount: 9 } }).toPromise();
    expect(updated.error).toBeUndefined();
    const cached = await client.query(COIN_EVENT, { coinConfigId: id }, { requestPolicy: 'cache-only' }).toPromise();
    expect(cached.data).toEqual({
      coinEvent: { id, coinConfigId: id, event: 'MEAL_CARD_PAYMENT', amount: 9 },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual(readThenPatch(id));
  });

  it("updates a cached balance from allocateCoins' balance", async () => {
    await createConfig();
    const client = urql();
    const first = await client.query(BALANCE, { userId: 'EKQZVMQK' }).toPromise();
    expect(first.data).toEqual({ coinBalance: { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 0 } });

    const allocated = await client.mutation(ALLOCATE, { input: allocation('URQL_REQ_1') }).toPromise();
    expect(allocated.error).toBeUndefined();
    const cached = await client.query(BALANCE, { userId: 'EKQZVMQK' }, { requestPolicy: 'cache-only' }).toPromise();
    expect(cached.data).toEqual({ coinBalance: { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 6 } });
  });
});
