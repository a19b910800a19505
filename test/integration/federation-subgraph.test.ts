// The gateway as an Apollo Federation subgraph, spoken to the way a router does: `_service { sdl }`
// and `_entities(representations:)` over HTTP, against the real sandbox. The router itself is in
// federation-router.test.ts.

import { describe, expect, it } from 'vitest';
import type { CoinConfig } from '../../src/sandbox/index.js';
import { expectAtMostInFlight, holdReadsAndRecordArrivals } from '../helpers/fan-out.js';
import { envelopeBody, jsonReply } from '../helpers/fault-actions.js';
import { fieldError, invalidInput } from '../helpers/graphql-assertions.js';
import { seedConfig, seedEventConfigs } from '../helpers/sandbox-setup.js';
import { canonicalSdl, committedSubgraphSdl } from '../helpers/subgraph-sdl.js';
import { useTestGateway, upstreamCalls } from '../helpers/test-gateway.js';
import { BALANCE_PATH, CONFIG_PATH, balancePath } from '../helpers/upstream-paths.js';

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on CoinConfig { coinConfigId companyId event amount }
    ... on CoinBalance { userId coins }
  }
}`;

const configRef = (coinConfigId: unknown) => ({ __typename: 'CoinConfig' as const, coinConfigId });
const balanceRef = (userId: unknown) => ({ __typename: 'CoinBalance' as const, userId });
const configEntity = (config: CoinConfig) => ({
  __typename: 'CoinConfig',
  coinConfigId: config.coinConfigId,
  companyId: config.companyId,
  event: config.event,
  amount: config.amount,
});

describe('federation subgraph: _service and _entities', () => {
  const gateway = useTestGateway();

  it('_service { sdl } is schema.graphql plus the committed subgraph extension, with no credential and no upstream call', async () => {
    const result = await gateway.gql('{ _service { sdl } }', undefined, { authorization: null });
    const sdl = (result.data as { _service: { sdl: string } } | undefined)?._service.sdl ?? '';
    expect(result).toEqual({ data: { _service: { sdl } } });
    expect(canonicalSdl(sdl)).toBe(canonicalSdl(committedSubgraphSdl()));
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it('50 representations with repeats: in order, null for an unknown id, each distinct key read upstream once', async () => {
    const configs = seedEventConfigs(gateway.sandbox, 9);
    const configIds = [...configs.map((config) => config.coinConfigId), 'WCC000000'];
    const users = Array.from({ length: 10 }, (_, i) => `USER_${i}`);
    gateway.sandbox.state.allocate({ companyId: 'CEKEKCARDS', event: 'EVENT_4', requestId: 'R1', userId: 'USER_3' });
    gateway.sandbox.requests.length = 0;
    // 25 of each kind, cycling through 10 distinct keys each: 50 representations, 20 distinct.
    const representations = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? configRef(configIds[(i / 2) % 10]) : balanceRef(users[((i - 1) / 2) % 10]),
    );

    const result = await gateway.gql(ENTITIES, { representations });

    const expected = representations.map((reference) => {
      if (reference.__typename === 'CoinBalance') {
        return { __typename: 'CoinBalance', userId: reference.userId, coins: reference.userId === 'USER_3' ? 5 : 0 };
      }
      const config = configs.find((candidate) => candidate.coinConfigId === reference.coinConfigId);
      return config ? configEntity(config) : null;
    });
    expect(result).toEqual({ data: { _entities: expected } });
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual(
      [
        ...configIds.map((id) => `GET ${CONFIG_PATH}${id}`),
        ...users.map((userId) => `GET ${balancePath(userId)}`),
      ].sort(),
    );
  });

  it('a malformed key is BAD_USER_INPUT for that entity alone, and is never sent upstream', async () => {
    const meal = seedConfig(gateway.sandbox);
    const result = await gateway.gql(ENTITIES, {
      representations: [
        configRef('WCC 817428'),
        configRef(meal.coinConfigId),
        balanceRef(42),
        { __typename: 'CoinBalance' },
      ],
    });

    expect(result.data).toEqual({ _entities: [null, configEntity(meal), null, null] });
    expect(result.errors?.map(({ path, extensions }) => ({ path, extensions }))).toEqual([
      {
        path: ['_entities', 0],
        extensions: {
          code: 'BAD_USER_INPUT',
          issues: [{ path: ['coinConfigId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' }],
        },
      },
      {
        path: ['_entities', 2],
        extensions: {
          code: 'BAD_USER_INPUT',
          issues: [{ path: ['userId'], message: 'Invalid input: expected string, received number' }],
        },
      },
      {
        path: ['_entities', 3],
        extensions: {
          code: 'BAD_USER_INPUT',
          issues: [{ path: ['userId'], message: 'Invalid input: expected string, received undefined' }],
        },
      },
    ]);
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}${meal.coinConfigId}`]);
  });

  it('more than 100 representations, or an unknown __typename, fail the whole field before any upstream call', async () => {
    const tooMany = await gateway.gql(ENTITIES, {
      representations: Array.from({ length: 101 }, (_, i) => balanceRef(`USER_${i}`)),
    });
    const unknownType = await gateway.gql(ENTITIES, {
      representations: [balanceRef('EKQZVMQK'), { __typename: 'Employee', userId: 'EKQZVMQK' }, { userId: 'X' }],
    });

    const tooManyIssues = [{ path: ['representations'], message: 'must hold at most 100 representations' }];
    expect(tooMany).toEqual({ data: null, errors: [invalidInput(['_entities'], tooManyIssues, 3, 2)] });
    const typeMessage = 'must name an entity type of this subgraph: CoinBalance, CoinConfig';
    expect(unknownType.data).toBeNull();
    expect(unknownType.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        issues: [
          { path: ['representations', 1, '__typename'], message: typeMessage },
          { path: ['representations', 2, '__typename'], message: 'Invalid input: expected string, received undefined' },
        ],
      },
    ]);
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it('without an Authorization header each entity is UNAUTHENTICATED and nothing is sent upstream', async () => {
    const result = await gateway.gql(
      ENTITIES,
      { representations: [configRef('WCC817428'), balanceRef('EKQZVMQK')] },
      { authorization: null },
    );

    expect(result.data).toEqual({ _entities: [null, null] });
    expect(result.errors?.map(({ path, extensions }) => ({ path, code: extensions?.code }))).toEqual([
      { path: ['_entities', 0], code: 'UNAUTHENTICATED' },
      { path: ['_entities', 1], code: 'UNAUTHENTICATED' },
    ]);
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it("an upstream failure is that entity's error with our extensions.code; the others resolve", async () => {
    const meal = seedConfig(gateway.sandbox);
    gateway.sandbox.faults.inject({
      path: BALANCE_PATH,
      action: jsonReply(403, envelopeBody(403, 'Forbidden')),
      times: Infinity,
    });

    const result = await gateway.gql(ENTITIES, {
      representations: [balanceRef('EKQZVMQK'), configRef(meal.coinConfigId)],
    });

    const forbidden = {
      code: 'FORBIDDEN',
      retryable: false,
      upstream: { status: 403, responseCode: 403, responseMessage: 'Forbidden' },
    };
    expect(result).toEqual({
      data: { _entities: [null, configEntity(meal)] },
      errors: [fieldError(['_entities', 0], 'The coins API refused access to this resource.', forbidden, 3, 2)],
    });
  });
});

describe('federation subgraph: _entities fan-out is bounded by COINS_API_BATCH_CONCURRENCY=2', () => {
  const DELAY_MS = 100;
  const gateway = useTestGateway({ COINS_API_BATCH_CONCURRENCY: '2' });

  it('6 distinct entities: at most 2 upstream reads in flight', async () => {
    const configs = seedEventConfigs(gateway.sandbox, 3);
    const representations = [
      ...configs.map((config) => configRef(config.coinConfigId)),
      ...['A', 'B', 'C'].map(balanceRef),
    ];
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, DELAY_MS);

    const result = await gateway.gql(ENTITIES, { representations });
    arrivals.stop();

    expect(result).toEqual({
      data: {
        _entities: [
          ...configs.map(configEntity),
          ...['A', 'B', 'C'].map((userId) => ({ __typename: 'CoinBalance', userId, coins: 0 })),
        ],
      },
    });
    expect(arrivals.times).toHaveLength(6);
    expectAtMostInFlight(arrivals.times, 2, DELAY_MS);
  });
});
