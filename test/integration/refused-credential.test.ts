import { describe, expect, it } from 'vitest';
import { upstreamCalls, useTestGateway, type GraphQLResponse } from '../helpers/test-gateway.js';
import { CONFIG_PATH } from '../helpers/upstream-paths.js';

// Within one GraphQL operation, once the upstream
// answered 401 for a credential, no further upstream call is made with it; the remaining fields
// fail UNAUTHENTICATED at once. Before: coinEvents of 100 ids with a garbage token made 100
// upstream calls, each answered 401. Calls already in flight when the first 401 arrives are not
// cancelled: at most COINS_API_BATCH_CONCURRENCY calls per operation (8 by default).

const IDS = Array.from({ length: 100 }, (_, i) => `WCC${String(100_000 + i)}`);
const COIN_EVENTS = `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId } }`;
// The sandbox refuses anything but a non-empty Bearer token with 401.
const REFUSED_TOKEN = 'Basic Z2FyYmFnZTpnYXJiYWdl';
const UNAUTHENTICATED = {
  code: 'UNAUTHENTICATED',
  retryable: false,
  upstream: { status: 401, responseCode: 401, responseMessage: 'Unauthorized' },
};

function expect100Unauthenticated(result: GraphQLResponse): void {
  expect(result.data).toEqual({ coinEvents: Array(100).fill(null) });
  expect(result.errors).toHaveLength(100);
  expect(result.errors!.map((error) => error.path)).toEqual(IDS.map((_, i) => ['coinEvents', i]));
  for (const error of result.errors!) {
    expect(error).toMatchObject({
      message: 'The coins API did not accept the credentials.',
      extensions: UNAUTHENTICATED,
    });
  }
}

describe('default COINS_API_BATCH_CONCURRENCY (8)', () => {
  const gateway = useTestGateway();

  it('coinEvents of 100 ids with a refused token: 8 upstream requests (those in flight), every entry UNAUTHENTICATED', async () => {
    const result = await gateway.gql(COIN_EVENTS, { ids: IDS }, { authorization: REFUSED_TOKEN });
    expect(upstreamCalls(gateway.sandbox)).toEqual(IDS.slice(0, 8).map((id) => `GET ${CONFIG_PATH}${id}`));
    expect100Unauthenticated(result);
    expect(gateway.logs.filter((line) => line.event === 'upstream_call_failed')).toHaveLength(8);
  });

  it('an accepted token is not held back: 100 ids make 100 calls, all answered', async () => {
    const result = await gateway.gql(COIN_EVENTS, { ids: IDS });
    expect(result).toEqual({ data: { coinEvents: Array(100).fill(null) } });
    expect(gateway.sandbox.requests).toHaveLength(100);
  });
});

describe('a credential the upstream refused is not sent again in the same operation (BATCH_CONCURRENCY=1)', () => {
  const gateway = useTestGateway({ COINS_API_BATCH_CONCURRENCY: '1' });

  it('coinEvents of 100 ids with a refused token: exactly 1 upstream request, every entry UNAUTHENTICATED', async () => {
    const result = await gateway.gql(COIN_EVENTS, { ids: IDS }, { authorization: REFUSED_TOKEN });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`GET ${CONFIG_PATH}${IDS[0]}`]);
    expect100Unauthenticated(result);
    // One failure logged (the one call made), not 100.
    expect(gateway.logs.filter((line) => line.event === 'upstream_call_failed')).toHaveLength(1);
  });

  it('mixed fields (aliases, coinBalances, coinEvent) after the refusal make no call either', async () => {
    const result = await gateway.gql(
      `query($ids: [ID!]!) { a: coinEvents(coinConfigIds: $ids) { coinConfigId } b: coinBalances(userIds: ["U1", "U2"]) { coins } c: coinEvent(coinConfigId: "WCC999999") { coinConfigId } }`,
      { ids: IDS.slice(0, 20) },
      { authorization: REFUSED_TOKEN },
    );
    expect(gateway.sandbox.requests).toHaveLength(1);
    expect(result.errors).toHaveLength(23);
    expect(new Set(result.errors!.map((error) => error.extensions?.code))).toEqual(new Set(['UNAUTHENTICATED']));
  });

  it('the next operation tries again (a refusal is remembered per operation only)', async () => {
    await gateway.gql(COIN_EVENTS, { ids: IDS.slice(0, 3) }, { authorization: REFUSED_TOKEN });
    await gateway.gql(COIN_EVENTS, { ids: IDS.slice(0, 3) }, { authorization: REFUSED_TOKEN });
    expect(gateway.sandbox.requests).toHaveLength(2);
  });

  it('a first call failing for another reason (500, not retried) does not stop the others', async () => {
    gateway.sandbox.faults.inject({ action: { kind: 'respond', status: 500, body: '' }, times: 1 });
    const result = await gateway.gql(COIN_EVENTS, { ids: IDS.slice(0, 5) });
    expect(gateway.sandbox.requests).toHaveLength(5);
    expect(result.data).toEqual({ coinEvents: Array(5).fill(null) });
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});
