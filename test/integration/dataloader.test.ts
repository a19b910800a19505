// Per-request DataLoaders and the bounded fan-out, observed from the outside: the
// upstream requests the sandbox receives (how many, in which order, how many at once) for what a
// client sends through the real gateway.

import { describe, expect, it } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { atLeastRounds, expectAtMostInFlight, holdReadsAndRecordArrivals } from '../helpers/fan-out.js';
import { fieldError } from '../helpers/graphql-assertions.js';
import { answerSuccess, seedConfig, seedEventConfigs } from '../helpers/sandbox-setup.js';
import { useTestGateway, upstreamCalls } from '../helpers/test-gateway.js';
import { CONFIG_PATH, CREATE_PATH, balancePath } from '../helpers/upstream-paths.js';

/** How often each call occurs, to compare request counts without depending on fan-out order. */
function countCalls(sandbox: SandboxServer): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of upstreamCalls(sandbox)) counts[call] = (counts[call] ?? 0) + 1;
  return counts;
}

describe('one loader per request', () => {
  const gateway = useTestGateway();

  it('the same id asked in two separate HTTP requests is fetched twice (no cross-request cache)', async () => {
    const meal = seedConfig(gateway.sandbox);
    const query = `query($id: ID!, $u: ID!) { coinEvent(coinConfigId: $id) { amount } coinBalance(userId: $u) { coins } }`;

    const first = await gateway.gql(query, { id: meal.coinConfigId, u: 'EKQZVMQK' });
    gateway.sandbox.state.updateConfig(meal.coinConfigId, { amount: 9 });
    gateway.sandbox.state.allocate({
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      requestId: 'R1',
      userId: 'EKQZVMQK',
    });
    const second = await gateway.gql(query, { id: meal.coinConfigId, u: 'EKQZVMQK' });

    expect(first).toEqual({ data: { coinEvent: { amount: 6 }, coinBalance: { coins: 0 } } });
    // The second request sees the upstream's new state: nothing was kept from the first.
    expect(second).toEqual({ data: { coinEvent: { amount: 9 }, coinBalance: { coins: 9 } } });
    expect(countCalls(gateway.sandbox)).toEqual({
      [`GET ${CONFIG_PATH}${meal.coinConfigId}`]: 2,
      [`GET ${balancePath('EKQZVMQK')}`]: 2,
    });
  });

  it('two concurrent HTTP requests for the same id each fetch it (no batching across requests)', async () => {
    const meal = seedConfig(gateway.sandbox);
    // Held for a moment so that both operations are in flight at the same time.
    gateway.sandbox.faults.inject({ action: { kind: 'delay', ms: 50 }, method: 'GET', times: Infinity });
    const query = `query($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId } }`;

    const results = await Promise.all([
      gateway.gql(query, { id: meal.coinConfigId }),
      gateway.gql(query, { id: meal.coinConfigId }),
    ]);

    expect(results).toEqual([
      { data: { coinEvent: { coinConfigId: meal.coinConfigId } } },
      { data: { coinEvent: { coinConfigId: meal.coinConfigId } } },
    ]);
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
    ]);
  });

  it('within one operation, aliases, lists, duplicates and fragments cost one GET per id and per user', async () => {
    const meal = seedConfig(gateway.sandbox);
    const invoice = seedConfig(gateway.sandbox, { event: 'INVOICE_PAYMENT', amount: 10 });
    gateway.sandbox.state.allocate({
      companyId: 'CEKEKCARDS',
      event: 'INVOICE_PAYMENT',
      requestId: 'R1',
      userId: 'USER_B',
    });
    const [a, b] = [meal.coinConfigId, invoice.coinConfigId];

    const result = await gateway.gql(
      `query($a: ID!, $b: ID!) {
        one: coinEvent(coinConfigId: $a) { amount }
        same: coinEvent(coinConfigId: $a) { ...Config }
        list: coinEvents(coinConfigIds: [$b, $a, $b]) { coinConfigId amount }
        other: coinEvents(coinConfigIds: [$a]) { event }
        userA: coinBalance(userId: "USER_A") { coins }
        userAAgain: coinBalance(userId: "USER_A") { userId }
        users: coinBalances(userIds: ["USER_B", "USER_A", "USER_B"]) { userId coins }
      }
      fragment Config on CoinConfig { coinConfigId companyId }`,
      { a, b },
    );

    expect(result).toEqual({
      data: {
        one: { amount: 6 },
        same: { coinConfigId: a, companyId: 'CEKEKCARDS' },
        list: [
          { coinConfigId: b, amount: 10 },
          { coinConfigId: a, amount: 6 },
          { coinConfigId: b, amount: 10 },
        ],
        other: [{ event: 'MEAL_CARD_PAYMENT' }],
        userA: { coins: 0 },
        userAAgain: { userId: 'USER_A' },
        users: [
          { userId: 'USER_B', coins: 10 },
          { userId: 'USER_A', coins: 0 },
          { userId: 'USER_B', coins: 10 },
        ],
      },
    });
    expect(countCalls(gateway.sandbox)).toEqual({
      [`GET ${CONFIG_PATH}${a}`]: 1,
      [`GET ${CONFIG_PATH}${b}`]: 1,
      [`GET ${balancePath('USER_A')}`]: 1,
      [`GET ${balancePath('USER_B')}`]: 1,
    });
  });

  it('nested fields missing from the PATCH payload share one Get Event, sent after the PATCH', async () => {
    const meal = seedConfig(gateway.sandbox);
    // An Update answer even thinner than the documented one: only the id and the amount.
    answerSuccess(gateway.sandbox, { method: 'PATCH' }, { coinConfigId: meal.coinConfigId, amount: 10 });

    const result = await gateway.gql(
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {amount: 10}) { amount companyId event configuration alias: event } }`,
      { id: meal.coinConfigId },
    );

    expect(result).toEqual({
      data: {
        updateCoinEvent: {
          amount: 10,
          companyId: 'CEKEKCARDS',
          event: 'MEAL_CARD_PAYMENT',
          configuration: 'DEFAULT',
          alias: 'MEAL_CARD_PAYMENT',
        },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `PATCH ${CONFIG_PATH}${meal.coinConfigId}`,
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
    ]);
  });

  it('a field the PATCH payload lacks and Get Event also lacks is UPSTREAM_BAD_RESPONSE for that field only', async () => {
    const meal = seedConfig(gateway.sandbox);
    const { companyId: _missing, ...withoutCompany } = meal;
    answerSuccess(gateway.sandbox, { method: 'GET' }, withoutCompany);

    const result = await gateway.gql(
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {amount: 6}) { amount companyId } }`,
      { id: meal.coinConfigId },
    );

    // companyId is non-null, so the error nulls the whole (non-null) CoinConfig and thus data.
    const message = `The coins API did not return companyId for coin configuration ${meal.coinConfigId}.`;
    const badResponse = { code: 'UPSTREAM_BAD_RESPONSE', retryable: false };
    expect(result).toEqual({
      data: null,
      errors: [fieldError(['updateCoinEvent', 'companyId'], message, badResponse, 86)],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `PATCH ${CONFIG_PATH}${meal.coinConfigId}`,
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
    ]);
  });

  it('createCoinEvent answers every field from its own payload, without a Get Event', async () => {
    const result = await gateway.gql(
      `mutation { createCoinEvent(input: {configuration: CUSTOM, companyId: "CEK0TCW2W8", event: "REFERRAL_EVENT", amount: 25}) { coinConfigId configuration companyId event amount } }`,
    );

    const created = result.data?.createCoinEvent as { coinConfigId: string } | undefined;
    expect(created?.coinConfigId).toMatch(/^WCC\d+$/);
    expect(result).toEqual({
      data: {
        createCoinEvent: {
          coinConfigId: created?.coinConfigId,
          configuration: 'CUSTOM',
          companyId: 'CEK0TCW2W8',
          event: 'REFERRAL_EVENT',
          amount: 25,
        },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${CREATE_PATH}`]);
  });

  it('an update after a create of the same id reads companyId fresh: one GET after the PATCH, not the created value', async () => {
    const existing = seedConfig(gateway.sandbox);
    // The Create answer names an existing id with a companyId the upstream no longer has, so a
    // value primed by the create and wrongly kept past the update would show as "STALE_CO".
    answerSuccess(gateway.sandbox, { method: 'POST', path: CREATE_PATH }, { ...existing, companyId: 'STALE_CO' });

    const result = await gateway.gql(
      `mutation($id: ID!) {
        created: createCoinEvent(input: {configuration: DEFAULT, companyId: "STALE_CO", event: "MEAL_CARD_PAYMENT", amount: 6}) { coinConfigId companyId }
        updated: updateCoinEvent(coinConfigId: $id, input: {amount: 8}) { coinConfigId companyId amount }
      }`,
      { id: existing.coinConfigId },
    );

    expect(result).toEqual({
      data: {
        created: { coinConfigId: existing.coinConfigId, companyId: 'STALE_CO' },
        updated: { coinConfigId: existing.coinConfigId, companyId: 'CEKEKCARDS', amount: 8 },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `POST ${CREATE_PATH}`,
      `PATCH ${CONFIG_PATH}${existing.coinConfigId}`,
      `GET ${CONFIG_PATH}${existing.coinConfigId}`,
    ]);
  });
});

describe('bounded fan-out: COINS_API_BATCH_CONCURRENCY=2', () => {
  const DELAY_MS = 100;
  const gateway = useTestGateway({ COINS_API_BATCH_CONCURRENCY: '2' });

  it('6 distinct ids: at most 2 GETs in flight, so the list takes at least 3 delays', async () => {
    const configs = seedEventConfigs(gateway.sandbox, 6);
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, DELAY_MS);

    const started = performance.now();
    const result = await gateway.gql(
      `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId amount } }`,
      {
        ids: configs.map((config) => config.coinConfigId),
      },
    );
    const elapsed = performance.now() - started;
    arrivals.stop();

    expect(result).toEqual({
      data: { coinEvents: configs.map(({ coinConfigId, amount }) => ({ coinConfigId, amount })) },
    });
    expect(countCalls(gateway.sandbox)).toEqual(
      Object.fromEntries(configs.map((c) => [`GET ${CONFIG_PATH}${c.coinConfigId}`, 1])),
    );
    expect(arrivals.times).toHaveLength(6);
    expectAtMostInFlight(arrivals.times, 2, DELAY_MS);
    expect(elapsed).toBeGreaterThanOrEqual(atLeastRounds(3, DELAY_MS));
  });

  it('the limit is shared by both loaders of one operation', async () => {
    const configs = seedEventConfigs(gateway.sandbox, 3);
    const users = ['USER_A', 'USER_B', 'USER_C'];
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, DELAY_MS);

    const result = await gateway.gql(
      `query($ids: [ID!]!, $users: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } coinBalances(userIds: $users) { userId coins } }`,
      { ids: configs.map((config) => config.coinConfigId), users },
    );
    arrivals.stop();

    expect(result).toEqual({
      data: {
        coinEvents: [{ amount: 1 }, { amount: 2 }, { amount: 3 }],
        coinBalances: users.map((userId) => ({ userId, coins: 0 })),
      },
    });
    expect(gateway.sandbox.requests).toHaveLength(6);
    expect(arrivals.times).toHaveLength(6);
    expectAtMostInFlight(arrivals.times, 2, DELAY_MS);
  });

  it('the limit is per operation: two concurrent requests each get their own 2', async () => {
    const HOLD_MS = 400;
    const configs = seedEventConfigs(gateway.sandbox, 4);
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, HOLD_MS);
    const query = `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } }`;

    const results = await Promise.all([
      gateway.gql(query, { ids: [configs[0]?.coinConfigId, configs[1]?.coinConfigId] }),
      gateway.gql(query, { ids: [configs[2]?.coinConfigId, configs[3]?.coinConfigId] }),
    ]);
    arrivals.stop();

    expect(results).toEqual([
      { data: { coinEvents: [{ amount: 1 }, { amount: 2 }] } },
      { data: { coinEvents: [{ amount: 3 }, { amount: 4 }] } },
    ]);
    const times = arrivals.times;
    expect(times).toHaveLength(4);
    // All four arrived before the first could have been answered: 4 in flight at once.
    expect((times[3] as number) - (times[0] as number)).toBeLessThan(HOLD_MS);
  });
});

describe('bounded fan-out: default concurrency (8)', () => {
  const HOLD_MS = 500;
  const gateway = useTestGateway();

  it('8 of 10 distinct ids are in flight at once, the other 2 wait for a free slot', async () => {
    expect(gateway.config.batchConcurrency).toBe(8);
    const configs = seedEventConfigs(gateway.sandbox, 10);
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, HOLD_MS);

    const result = await gateway.gql(`query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } }`, {
      ids: configs.map((config) => config.coinConfigId),
    });
    arrivals.stop();

    expect(result).toEqual({ data: { coinEvents: configs.map(({ amount }) => ({ amount })) } });
    const times = arrivals.times;
    expect(times).toHaveLength(10);
    // The first 8 arrive before any answer could exist ...
    expect((times[7] as number) - (times[0] as number)).toBeLessThan(HOLD_MS);
    // ... and the 9th and 10th only after one of them was answered.
    expectAtMostInFlight(times, 8, HOLD_MS);
  });
});
