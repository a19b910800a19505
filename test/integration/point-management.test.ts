// updateCoinEvent, allocateCoins, coinBalance(s) and coinEvents through the real server and the
// sandbox. Each test asserts the GraphQL response a client sees and the upstream requests
// the gateway actually sent (method, path, body, count). Loader/concurrency tests live in
// dataloader.test.ts.

import { describe, expect, it } from 'vitest';
import { businessRejection, fieldError, invalidInput, sentRequests } from '../helpers/graphql-assertions.js';
import { type ConfigFields, MEAL_CONFIG as MEAL, seedConfig } from '../helpers/sandbox-setup.js';
import { AUTH, upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';
import { ALLOCATE_PATH, BALANCE_PATH, CONFIG_PATH, balancePath } from '../helpers/upstream-paths.js';

const gateway = useTestGateway();

/** A configuration created straight in the sandbox's state, so it costs no recorded request. */
const seed = (overrides: Partial<ConfigFields> = {}) => seedConfig(gateway.sandbox, overrides);

describe('updateCoinEvent', () => {
  const UPDATE = `mutation($id: ID!, $input: UpdateCoinEventInput!) { updateCoinEvent(coinConfigId: $id, input: $input) { coinConfigId configuration event amount } }`;

  it('sends a PATCH with exactly the fields given and answers from its payload, without a Get Event', async () => {
    const config = seed();
    const result = await gateway.gql(UPDATE, {
      id: config.coinConfigId,
      input: { amount: 10, configuration: 'CUSTOM' },
    });

    expect(result).toEqual({
      data: {
        updateCoinEvent: {
          coinConfigId: config.coinConfigId,
          configuration: 'CUSTOM',
          event: 'MEAL_CARD_PAYMENT',
          amount: 10,
        },
      },
    });
    expect(gateway.sandbox.requests).toHaveLength(1);
    const [patch] = gateway.sandbox.requests;
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: `${CONFIG_PATH}${config.coinConfigId}`,
      body: '{"configuration":"CUSTOM","amount":10}',
    });
    expect(patch?.headers).toMatchObject({ authorization: AUTH, 'content-type': 'application/json' });
    expect(gateway.sandbox.state.getConfig(config.coinConfigId)).toEqual({
      ...config,
      configuration: 'CUSTOM',
      amount: 10,
    });
  });

  it.each([
    [{ amount: 1 }, '{"amount":1}'],
    [{ amount: 1_000_000 }, '{"amount":1000000}'],
    [{ event: 'INVOICE_PAYMENT' }, '{"event":"INVOICE_PAYMENT"}'],
    [{ companyId: 'CEK0TCW2W8' }, '{"companyId":"CEK0TCW2W8"}'],
    [{ configuration: 'CUSTOM' }, '{"configuration":"CUSTOM"}'],
    [
      { amount: 7, event: 'REFERRAL_EVENT', companyId: 'CEK0TCW2W8', configuration: 'CUSTOM' },
      '{"configuration":"CUSTOM","companyId":"CEK0TCW2W8","event":"REFERRAL_EVENT","amount":7}',
    ],
  ])('sends only %j', async (input, body) => {
    const config = seed();
    const result = await gateway.gql(UPDATE, { id: config.coinConfigId, input });

    const expected = { ...config, ...input };
    expect(result).toEqual({
      data: {
        updateCoinEvent: {
          coinConfigId: config.coinConfigId,
          configuration: expected.configuration,
          event: expected.event,
          amount: expected.amount,
        },
      },
    });
    expect(sentRequests(gateway.sandbox)).toEqual([
      { method: 'PATCH', path: `${CONFIG_PATH}${config.coinConfigId}`, body },
    ]);
  });

  it('resolves companyId, which the PATCH payload lacks, with exactly one Get Event after the PATCH', async () => {
    const config = seed();
    const result = await gateway.gql(
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {companyId: "CEK0TCW2W8"}) { coinConfigId companyId again: companyId ... on CoinConfig { companyId amount } } }`,
      { id: config.coinConfigId },
    );

    // The value is the one after the change: the GET was sent after the PATCH, not before.
    expect(result).toEqual({
      data: {
        updateCoinEvent: { coinConfigId: config.coinConfigId, companyId: 'CEK0TCW2W8', again: 'CEK0TCW2W8', amount: 6 },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `PATCH ${CONFIG_PATH}${config.coinConfigId}`,
      `GET ${CONFIG_PATH}${config.coinConfigId}`,
    ]);
    expect(gateway.sandbox.requests[0]?.body).toBe('{"companyId":"CEK0TCW2W8"}');
  });

  it('sends no Get Event when the query selects only fields the PATCH payload has', async () => {
    const config = seed();
    const result = await gateway.gql(
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {event: "INVOICE_PAYMENT"}) { coinConfigId configuration event amount __typename } }`,
      { id: config.coinConfigId },
    );

    expect(result).toEqual({
      data: {
        updateCoinEvent: {
          coinConfigId: config.coinConfigId,
          configuration: 'DEFAULT',
          event: 'INVOICE_PAYMENT',
          amount: 6,
          __typename: 'CoinConfig',
        },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`PATCH ${CONFIG_PATH}${config.coinConfigId}`]);
  });

  it('two updates of the same id in one mutation each read companyId after their own PATCH', async () => {
    const config = seed();
    const result = await gateway.gql(
      `mutation($id: ID!) {
        first: updateCoinEvent(coinConfigId: $id, input: {companyId: "FIRST_CO"}) { companyId }
        second: updateCoinEvent(coinConfigId: $id, input: {companyId: "SECOND_CO"}) { companyId }
      }`,
      { id: config.coinConfigId },
    );

    expect(result).toEqual({ data: { first: { companyId: 'FIRST_CO' }, second: { companyId: 'SECOND_CO' } } });
    const path = `${CONFIG_PATH}${config.coinConfigId}`;
    expect(upstreamCalls(gateway.sandbox)).toEqual([`PATCH ${path}`, `GET ${path}`, `PATCH ${path}`, `GET ${path}`]);
  });

  it('rejects an empty input with BAD_USER_INPUT and calls nothing', async () => {
    const config = seed();
    const result = await gateway.gql(
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {}) { amount } }`,
      { id: config.coinConfigId },
    );

    expect(result).toEqual({
      data: null,
      errors: [
        invalidInput(['updateCoinEvent'], [{ path: ['input'], message: 'give at least one field to change' }], 22),
      ],
    });
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it.each([
    [
      'inline literals',
      `mutation($id: ID!) { updateCoinEvent(coinConfigId: $id, input: {amount: null, event: null}) { amount } }`,
      {},
    ],
    [
      'variables',
      `mutation($id: ID!, $input: UpdateCoinEventInput!) { updateCoinEvent(coinConfigId: $id, input: $input) { amount } }`,
      { input: { event: null, amount: null } },
    ],
  ])(
    'rejects explicit nulls (%s) with BAD_USER_INPUT, one issue per field, and calls nothing',
    async (_how, query, variables) => {
      const config = seed();
      const result = await gateway.gql(query, { id: config.coinConfigId, ...variables });

      const nullMessage = 'must not be null: omit the field to leave it unchanged';
      const issues = [
        { path: ['input', 'event'], message: nullMessage },
        { path: ['input', 'amount'], message: nullMessage },
      ];
      const column = query.indexOf('updateCoinEvent(') + 1;
      expect(result).toEqual({ data: null, errors: [invalidInput(['updateCoinEvent'], issues, column)] });
      expect(gateway.sandbox.requests).toEqual([]);
      expect(gateway.sandbox.state.getConfig(config.coinConfigId)).toEqual(config);
    },
  );

  it('applies the create rules to every value and to the id, reporting all problems at once', async () => {
    const result = await gateway.gql(
      `mutation($input: UpdateCoinEventInput!) { updateCoinEvent(coinConfigId: "WCC 1", input: $input) { amount } }`,
      { input: { companyId: 'C'.repeat(65), event: 'MEAL-CARD', amount: 0 } },
    );

    const issues = [
      { path: ['coinConfigId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' },
      { path: ['input', 'companyId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' },
      { path: ['input', 'event'], message: 'must be 1-64 characters of A-Z, a-z, 0-9 or _' },
      { path: ['input', 'amount'], message: 'must be at least 1' },
    ];
    expect(result).toEqual({ data: null, errors: [invalidInput(['updateCoinEvent'], issues, 43)] });
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it.each([
    [{ amount: 1_000_001 }, ['input', 'amount'], 'must be at most 1000000'],
    [{ event: '' }, ['input', 'event'], 'must be 1-64 characters of A-Z, a-z, 0-9 or _'],
    [{ event: ' MEAL' }, ['input', 'event'], 'must be 1-64 characters of A-Z, a-z, 0-9 or _'],
    [{ companyId: '' }, ['input', 'companyId'], 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -'],
  ])('rejects %j without calling the upstream', async (input, path, message) => {
    const config = seed();
    const result = await gateway.gql(UPDATE, { id: config.coinConfigId, input });

    expect(result).toEqual({ data: null, errors: [invalidInput(['updateCoinEvent'], [{ path, message }], 53)] });
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it('reports the upstream rejection of a change that would duplicate another configuration', async () => {
    const meal = seed();
    seed({ event: 'INVOICE_PAYMENT' });
    const result = await gateway.gql(UPDATE, { id: meal.coinConfigId, input: { event: 'INVOICE_PAYMENT' } });

    const message = 'Coin configuration already exists for this company and event';
    expect(result).toEqual({
      data: null,
      errors: [fieldError(['updateCoinEvent'], message, businessRejection(message), 53)],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`PATCH ${CONFIG_PATH}${meal.coinConfigId}`]);
    expect(gateway.sandbox.state.getConfig(meal.coinConfigId)).toEqual(meal);
  });
});

describe('allocateCoins', () => {
  const ALLOCATE = `mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId companyId event userId message balance { userId coins } } }`;
  const INPUT = {
    companyId: 'CEKEKCARDS',
    event: 'MEAL_CARD_PAYMENT',
    requestId: 'COIN_REQ1234567',
    userId: 'EKQZVMQK',
  };
  /** The answer to ALLOCATE with INPUT: MEAL's 6 coins credited to a user who had none. */
  const ALLOCATED = {
    data: {
      allocateCoins: {
        ...INPUT,
        message: 'Successfully allocated enkash Coins',
        balance: { userId: 'EKQZVMQK', coins: 6 },
      },
    },
  };

  it('sends exactly {companyId, event, requestId, userId}, then reads the balance after the allocation', async () => {
    seed();
    // Keys given in another order, to show the body is built from the contract, not echoed.
    const result = await gateway.gql(ALLOCATE, {
      input: { userId: 'EKQZVMQK', requestId: 'COIN_REQ1234567', event: 'MEAL_CARD_PAYMENT', companyId: 'CEKEKCARDS' },
    });

    expect(result).toEqual(ALLOCATED);
    const [allocate, balance] = gateway.sandbox.requests;
    expect(gateway.sandbox.requests).toHaveLength(2);
    expect(allocate).toMatchObject({
      method: 'POST',
      path: ALLOCATE_PATH,
      body: '{"companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","requestId":"COIN_REQ1234567","userId":"EKQZVMQK"}',
    });
    expect(allocate?.headers).toMatchObject({ authorization: AUTH, 'content-type': 'application/json' });
    expect(balance).toMatchObject({ method: 'GET', path: balancePath('EKQZVMQK'), body: '' });
    expect(balance?.headers.authorization).toBe(AUTH);
    expect(gateway.sandbox.state.balanceOf('EKQZVMQK')).toBe(6);
  });

  it('does not read the balance when the query does not select it', async () => {
    seed();
    const result = await gateway.gql(
      `mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId message } }`,
      {
        input: INPUT,
      },
    );

    expect(result).toEqual({
      data: { allocateCoins: { requestId: INPUT.requestId, message: 'Successfully allocated enkash Coins' } },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${ALLOCATE_PATH}`]);
  });

  it('reads the balance once however often one allocation selects it', async () => {
    seed();
    const result = await gateway.gql(
      `mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { balance { coins } again: balance { userId coins } } }`,
      { input: INPUT },
    );

    expect(result).toEqual({
      data: { allocateCoins: { balance: { coins: 6 }, again: { userId: 'EKQZVMQK', coins: 6 } } },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([`POST ${ALLOCATE_PATH}`, `GET ${balancePath('EKQZVMQK')}`]);
  });

  it('two allocations in one mutation each report their own fresh balance (the first read is not reused)', async () => {
    seed();
    const result = await gateway.gql(
      `mutation {
        first: allocateCoins(input: {companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "EKQZVMQK", requestId: "REQ-1"}) { requestId balance { coins } }
        second: allocateCoins(input: {companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "EKQZVMQK", requestId: "REQ-2"}) { requestId balance { coins } }
      }`,
    );

    expect(result).toEqual({
      data: {
        first: { requestId: 'REQ-1', balance: { coins: 6 } },
        second: { requestId: 'REQ-2', balance: { coins: 12 } },
      },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('EKQZVMQK')}`,
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('EKQZVMQK')}`,
    ]);
    expect(
      gateway.sandbox.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body).requestId),
    ).toEqual(['REQ-1', 'REQ-2']);
  });

  it("an allocation for another user keeps the first user's balance read once", async () => {
    seed();
    const result = await gateway.gql(
      `mutation {
        a: allocateCoins(input: {companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "USER_A", requestId: "REQ-A"}) { balance { coins } }
        b: allocateCoins(input: {companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "USER_B", requestId: "REQ-B"}) { balance { coins } }
        c: allocateCoins(input: {companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "USER_A", requestId: "REQ-C"}) { balance { coins } }
      }`,
    );

    expect(result).toEqual({
      data: { a: { balance: { coins: 6 } }, b: { balance: { coins: 6 } }, c: { balance: { coins: 12 } } },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('USER_A')}`,
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('USER_B')}`,
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('USER_A')}`,
    ]);
  });

  it('a repeated requestId credits once (sandbox ledger), and both calls report the same balance', async () => {
    seed();
    const first = await gateway.gql(ALLOCATE, { input: INPUT });
    const second = await gateway.gql(ALLOCATE, { input: INPUT });

    expect(first).toEqual(ALLOCATED);
    expect(second).toEqual(ALLOCATED);
    // The gateway forwards the retry (it keeps no idempotency state); the upstream deduplicates.
    expect(upstreamCalls(gateway.sandbox).filter((call) => call.startsWith('POST'))).toEqual([
      `POST ${ALLOCATE_PATH}`,
      `POST ${ALLOCATE_PATH}`,
    ]);
    expect(gateway.sandbox.state.ledger).toHaveLength(1);
    expect(gateway.sandbox.state.totalCredited()).toBe(6);
  });

  it('reports a requestId reused for a different allocation as UPSTREAM_REJECTED', async () => {
    seed();
    await gateway.gql(ALLOCATE, { input: INPUT });
    const result = await gateway.gql(ALLOCATE, { input: { ...INPUT, userId: 'OTHER_USER' } });

    const message = 'requestId already used for a different allocation';
    expect(result).toEqual({
      data: null,
      errors: [fieldError(['allocateCoins'], message, businessRejection(message), 41)],
    });
    expect(gateway.sandbox.state.balanceOf('OTHER_USER')).toBe(0);
    expect(gateway.sandbox.state.ledger).toHaveLength(1);
  });

  it("an unconfigured event is UPSTREAM_REJECTED with the sandbox's message, and no balance is read", async () => {
    const result = await gateway.gql(ALLOCATE, { input: { ...INPUT, event: 'NOT_CONFIGURED' } });

    const message = 'Event not configured for this company';
    expect(result).toEqual({
      data: null,
      errors: [fieldError(['allocateCoins'], message, businessRejection(message), 41)],
    });
    expect(sentRequests(gateway.sandbox)).toEqual([
      {
        method: 'POST',
        path: ALLOCATE_PATH,
        body: '{"companyId":"CEKEKCARDS","event":"NOT_CONFIGURED","requestId":"COIN_REQ1234567","userId":"EKQZVMQK"}',
      },
    ]);
    expect(gateway.sandbox.state.ledger).toEqual([]);
  });

  it('when the balance read fails after a successful allocation, a retry with the same requestId is safe', async () => {
    seed();
    gateway.sandbox.faults.inject({
      action: { kind: 'respond', status: 503 },
      method: 'GET',
      path: BALANCE_PATH,
      times: Infinity,
    });
    const failed = await gateway.gql(ALLOCATE, { input: INPUT });

    const unavailable = { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 503 } };
    expect(failed).toEqual({
      data: null,
      errors: [fieldError(['allocateCoins', 'balance'], 'The coins API is unavailable (HTTP 503).', unavailable, 113)],
    });
    // The POST is sent once (never retried); the balance GET is a read, retried (COINS_API_RETRIES=2).
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `POST ${ALLOCATE_PATH}`,
      `GET ${balancePath('EKQZVMQK')}`,
      `GET ${balancePath('EKQZVMQK')}`,
      `GET ${balancePath('EKQZVMQK')}`,
    ]);
    expect(gateway.sandbox.state.ledger).toHaveLength(1);

    gateway.sandbox.faults.clear();
    const retried = await gateway.gql(ALLOCATE, { input: INPUT });
    expect(retried).toEqual(ALLOCATED);
    expect(gateway.sandbox.state.ledger).toHaveLength(1);
    expect(gateway.sandbox.state.balanceOf('EKQZVMQK')).toBe(6);
  });

  const ALLOCATE_REQUEST_ID = `mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId } }`;

  it.each(['a', 'R'.repeat(128), 'AZaz09_.:-', 'COIN_REQ1234567', 'order:2024-06-01.42'])(
    'accepts requestId %j',
    async (requestId) => {
      seed();
      const result = await gateway.gql(ALLOCATE_REQUEST_ID, { input: { ...INPUT, requestId } });

      expect(result).toEqual({ data: { allocateCoins: { requestId } } });
      expect(gateway.sandbox.requests.map((r) => r.body)).toEqual([JSON.stringify({ ...INPUT, requestId })]);
    },
  );

  it.each(['', 'R'.repeat(129), 'has space', ' COIN_REQ1', 'COIN_REQ1 ', 'req/1', 'req#1', 'réq', 'req\n1', 'a,b'])(
    'rejects requestId %j with BAD_USER_INPUT and calls nothing',
    async (requestId) => {
      seed();
      const result = await gateway.gql(ALLOCATE_REQUEST_ID, { input: { ...INPUT, requestId } });

      const message = 'must be 1-128 characters of A-Z, a-z, 0-9, _, ., : or -';
      expect(result).toEqual({
        data: null,
        errors: [invalidInput(['allocateCoins'], [{ path: ['input', 'requestId'], message }], 41)],
      });
      expect(gateway.sandbox.requests).toEqual([]);
    },
  );

  it('reports every invalid field of the input at once and calls nothing', async () => {
    const result = await gateway.gql(ALLOCATE_REQUEST_ID, {
      input: { companyId: 'CEK EK', event: 'meal-card', userId: 'U'.repeat(65), requestId: '' },
    });

    const issues = [
      { path: ['input', 'companyId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' },
      { path: ['input', 'event'], message: 'must be 1-64 characters of A-Z, a-z, 0-9 or _' },
      { path: ['input', 'userId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' },
      { path: ['input', 'requestId'], message: 'must be 1-128 characters of A-Z, a-z, 0-9, _, ., : or -' },
    ];
    expect(result).toEqual({ data: null, errors: [invalidInput(['allocateCoins'], issues, 41)] });
    expect(gateway.sandbox.requests).toEqual([]);
  });
});

describe('coinBalance and coinBalances', () => {
  it('an unknown user has 0 coins (sandbox decision), read with one Get Balance', async () => {
    const result = await gateway.gql(`query { coinBalance(userId: "NEW_USER") { userId coins } }`);

    expect(result).toEqual({ data: { coinBalance: { userId: 'NEW_USER', coins: 0 } } });
    expect(gateway.sandbox.requests).toHaveLength(1);
    expect(gateway.sandbox.requests[0]).toMatchObject({ method: 'GET', path: balancePath('NEW_USER'), body: '' });
    expect(gateway.sandbox.requests[0]?.headers.authorization).toBe(AUTH);
  });

  it('reads a credited balance', async () => {
    seed();
    gateway.sandbox.state.allocate({
      companyId: MEAL.companyId,
      event: MEAL.event,
      requestId: 'R1',
      userId: 'EKQZVMQK',
    });
    gateway.sandbox.state.allocate({
      companyId: MEAL.companyId,
      event: MEAL.event,
      requestId: 'R2',
      userId: 'EKQZVMQK',
    });

    const result = await gateway.gql(`query($u: ID!) { coinBalance(userId: $u) { userId coins } }`, { u: 'EKQZVMQK' });

    expect(result).toEqual({ data: { coinBalance: { userId: 'EKQZVMQK', coins: 12 } } });
  });

  it('coinBalances answers one entry per id, in order, duplicates included, each user read once', async () => {
    seed();
    gateway.sandbox.state.allocate({ companyId: MEAL.companyId, event: MEAL.event, requestId: 'R1', userId: 'USER_B' });

    const result = await gateway.gql(`query($ids: [ID!]!) { coinBalances(userIds: $ids) { userId coins } }`, {
      ids: ['USER_A', 'USER_B', 'USER_A', 'USER_C', 'USER_B'],
    });

    expect(result).toEqual({
      data: {
        coinBalances: [
          { userId: 'USER_A', coins: 0 },
          { userId: 'USER_B', coins: 6 },
          { userId: 'USER_A', coins: 0 },
          { userId: 'USER_C', coins: 0 },
          { userId: 'USER_B', coins: 6 },
        ],
      },
    });
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual(
      [`GET ${balancePath('USER_A')}`, `GET ${balancePath('USER_B')}`, `GET ${balancePath('USER_C')}`].sort(),
    );
  });

  it('an empty list answers [] without a call', async () => {
    const result = await gateway.gql(`query { coinBalances(userIds: []) { coins } }`);

    expect(result).toEqual({ data: { coinBalances: [] } });
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it('accepts 100 ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `USER_${i}`);
    const result = await gateway.gql(`query($ids: [ID!]!) { coinBalances(userIds: $ids) { userId coins } }`, { ids });

    expect(result).toEqual({ data: { coinBalances: ids.map((userId) => ({ userId, coins: 0 })) } });
    expect(gateway.sandbox.requests).toHaveLength(100);
  });

  it('reports every invalid userId of a list at once', async () => {
    const result = await gateway.gql(`query($ids: [ID!]!) { coinBalances(userIds: $ids) { coins } }`, {
      ids: ['', 'USER_B', 'U'.repeat(65), 'ok', 'user.d'],
    });

    const message = 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -';
    const issues = [0, 2, 4].map((index) => ({ path: ['userIds', index], message }));
    expect(result).toEqual({ data: null, errors: [invalidInput(['coinBalances'], issues, 23)] });
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it.each(['', 'bad id', 'U'.repeat(65), 'user@example.com'])(
    'coinBalance rejects userId %j and calls nothing',
    async (userId) => {
      const result = await gateway.gql(`query($u: ID!) { coinBalance(userId: $u) { coins } }`, { u: userId });

      const message = 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -';
      expect(result).toEqual({
        data: { coinBalance: null },
        errors: [invalidInput(['coinBalance'], [{ path: ['userId'], message }], 18)],
      });
      expect(gateway.sandbox.requests).toEqual([]);
    },
  );
});

describe('coinEvents', () => {
  const EVENTS = `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId configuration companyId event amount } }`;

  it('answers one entry per id, in order, with null for an unknown id', async () => {
    const meal = seed();
    const invoice = seed({ configuration: 'CUSTOM', companyId: 'CEK0TCW2W8', event: 'INVOICE_PAYMENT', amount: 10 });

    const result = await gateway.gql(EVENTS, { ids: [invoice.coinConfigId, 'WCC000001', meal.coinConfigId] });

    expect(result).toEqual({ data: { coinEvents: [{ ...invoice }, null, { ...meal }] } });
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual(
      [
        `GET ${CONFIG_PATH}${invoice.coinConfigId}`,
        `GET ${CONFIG_PATH}WCC000001`,
        `GET ${CONFIG_PATH}${meal.coinConfigId}`,
      ].sort(),
    );
  });

  it('fetches each id once across duplicates, aliases and coinEvent', async () => {
    const meal = seed();
    const invoice = seed({ event: 'INVOICE_PAYMENT', amount: 10 });
    const [a, b] = [meal.coinConfigId, invoice.coinConfigId];

    const result = await gateway.gql(
      `query($a: ID!, $b: ID!) {
        list: coinEvents(coinConfigIds: [$a, $b, $a, $a, "WCC000001", "WCC000001"]) { coinConfigId amount }
        again: coinEvents(coinConfigIds: [$b, $a]) { event }
        one: coinEvent(coinConfigId: $a) { companyId }
        two: coinEvent(coinConfigId: $b) { configuration }
      }`,
      { a, b },
    );

    expect(result).toEqual({
      data: {
        list: [
          { coinConfigId: a, amount: 6 },
          { coinConfigId: b, amount: 10 },
          { coinConfigId: a, amount: 6 },
          { coinConfigId: a, amount: 6 },
          null,
          null,
        ],
        again: [{ event: 'INVOICE_PAYMENT' }, { event: 'MEAL_CARD_PAYMENT' }],
        one: { companyId: 'CEKEKCARDS' },
        two: { configuration: 'DEFAULT' },
      },
    });
    expect(upstreamCalls(gateway.sandbox).sort()).toEqual(
      [`GET ${CONFIG_PATH}${a}`, `GET ${CONFIG_PATH}${b}`, `GET ${CONFIG_PATH}WCC000001`].sort(),
    );
  });

  it('a failing element is null with an error at its path; the other elements keep their data', async () => {
    const meal = seed();
    const broken = seed({ event: 'BROKEN_EVENT' });
    const invoice = seed({ event: 'INVOICE_PAYMENT', amount: 10 });
    gateway.sandbox.faults.inject({
      action: {
        kind: 'respond',
        status: 503,
        body: '<html><body>503 Service Unavailable</body></html>',
        headers: { 'content-type': 'text/html' },
      },
      method: 'GET',
      path: `${CONFIG_PATH}${broken.coinConfigId}`,
      times: Infinity,
    });

    const result = await gateway.gql(
      `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId amount } }`,
      {
        ids: [meal.coinConfigId, broken.coinConfigId, invoice.coinConfigId, broken.coinConfigId],
      },
    );

    const unavailable = { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status: 503 } };
    const error = (index: number) =>
      fieldError(['coinEvents', index], 'The coins API is unavailable (HTTP 503).', unavailable, 23);
    expect(result).toEqual({
      data: {
        coinEvents: [
          { coinConfigId: meal.coinConfigId, amount: 6 },
          null,
          { coinConfigId: invoice.coinConfigId, amount: 10 },
          null,
        ],
      },
      errors: [error(1), error(3)],
    });
    // The broken id is fetched once for both positions: 1 attempt + 2 retries (COINS_API_RETRIES default).
    const calls = upstreamCalls(gateway.sandbox);
    expect(calls.filter((call) => call === `GET ${CONFIG_PATH}${broken.coinConfigId}`)).toHaveLength(3);
    expect(calls.filter((call) => call === `GET ${CONFIG_PATH}${meal.coinConfigId}`)).toHaveLength(1);
    expect(calls.filter((call) => call === `GET ${CONFIG_PATH}${invoice.coinConfigId}`)).toHaveLength(1);
    expect(calls).toHaveLength(5);
  });
});

describe('the id lists of coinBalances and coinEvents', () => {
  // field, its list argument, an operation selecting it, a list with one invalid id, and that id's index.
  const LISTS = [
    [
      'coinBalances',
      'userIds',
      `query($ids: [ID!]!) { coinBalances(userIds: $ids) { coins } }`,
      ['USER_A', 'USER_B', 'USER_C', 'bad id', 'USER_D'],
      3,
    ],
    [
      'coinEvents',
      'coinConfigIds',
      `query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } }`,
      ['WCC817428', 'WCC/1'],
      1,
    ],
  ] as const;

  it.each(LISTS)(
    '%s rejects more than 100 ids with BAD_USER_INPUT and calls nothing',
    async (field, argument, query) => {
      const ids = Array.from({ length: 101 }, (_, i) => `ID_${i}`);
      const result = await gateway.gql(query, { ids });

      const issues = [{ path: [argument], message: 'must hold at most 100 ids' }];
      expect(result).toEqual({ data: null, errors: [invalidInput([field], issues, 23)] });
      expect(gateway.sandbox.requests).toEqual([]);
    },
  );

  it.each(LISTS)(
    '%s rejects an invalid id in the list with its index in the issue path, and calls nothing',
    async (field, argument, query, ids, index) => {
      const result = await gateway.gql(query, { ids });

      const issues = [{ path: [argument, index], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' }];
      expect(result).toEqual({ data: null, errors: [invalidInput([field], issues, 23)] });
      expect(gateway.sandbox.requests).toEqual([]);
    },
  );
});

describe('authentication on updateCoinEvent, allocateCoins, coinBalance(s) and coinEvents', () => {
  it.each([
    ['coinEvents', `query { coinEvents(coinConfigIds: ["WCC817428"]) { amount } }`, null],
    ['coinBalance', `query { coinBalance(userId: "EKQZVMQK") { coins } }`, { coinBalance: null }],
    ['coinBalances', `query { coinBalances(userIds: ["EKQZVMQK"]) { coins } }`, null],
    ['updateCoinEvent', `mutation { updateCoinEvent(coinConfigId: "WCC817428", input: {amount: 3}) { amount } }`, null],
    [
      'allocateCoins',
      `mutation { allocateCoins(input: {companyId: "C", event: "E", userId: "U", requestId: "R"}) { requestId } }`,
      null,
    ],
  ])('%s without an Authorization header is UNAUTHENTICATED and calls nothing', async (field, query, data) => {
    const result = await gateway.gql(query, undefined, { authorization: null });

    expect(result.data).toEqual(data);
    expect(result.errors).toEqual([
      {
        message:
          'Authentication required: send an Authorization header (e.g. "Bearer <access token>") for the coins API.',
        locations: [expect.objectContaining({ line: 1 })],
        path: [field],
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(gateway.sandbox.requests).toEqual([]);
  });
});
