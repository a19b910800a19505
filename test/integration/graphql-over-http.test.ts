import { describe, expect, it } from 'vitest';
import { upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';

/** GraphQL over HTTP as clients expect it: response key order, status codes per Accept type, variable errors. */

const gateway = useTestGateway();

const CREATE = 'mutation($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }';
const CONFIG = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };

async function createConfig(): Promise<string> {
  const response = await gateway.gql(CREATE, { input: CONFIG });
  return (response.data as { createCoinEvent: { coinConfigId: string } }).createCoinEvent.coinConfigId;
}

describe('response keys follow the selection set (Serialized Map Ordering)', () => {
  it('an upstream-backed field before __typename stays first', async () => {
    const id = await createConfig();
    const response = await gateway.post({
      query: `{ a: coinEvent(coinConfigId: "${id}") { coinConfigId } t: __typename }`,
    });
    expect(await response.text()).toBe(`{"data":{"a":{"coinConfigId":"${id}"},"t":"Query"}}`);
  });

  it("updateCoinEvent's fields come in the order asked, also the one read after the PATCH", async () => {
    const id = await createConfig();
    const response = await gateway.post({
      query: `mutation { updateCoinEvent(coinConfigId: "${id}", input: { amount: 7 }) { coinConfigId companyId event amount } }`,
    });
    expect(await response.text()).toBe(
      `{"data":{"updateCoinEvent":{"coinConfigId":"${id}","companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","amount":7}}}`,
    );
  });

  it('list entries keep their fields in order whatever the upstream latency', async () => {
    const first = await createConfig();
    const second = (
      (await gateway.gql(CREATE, { input: { ...CONFIG, event: 'INVOICE_PAYMENT' } })).data as {
        createCoinEvent: { coinConfigId: string };
      }
    ).createCoinEvent.coinConfigId;
    gateway.sandbox.faults.inject({
      method: 'GET',
      path: `/api/v0/enkash-coins/${first}`,
      action: { kind: 'delay', ms: 100 },
    });
    const response = await gateway.post({
      query: `{ coinEvents(coinConfigIds: ["${first}", "${second}"]) { amount event id } n: __typename }`,
    });
    expect(await response.text()).toBe(
      `{"data":{"coinEvents":[{"amount":6,"event":"MEAL_CARD_PAYMENT","id":"${first}"},{"amount":6,"event":"INVOICE_PAYMENT","id":"${second}"}],"n":"Query"}}`,
    );
  });
});

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const JSON_ONLY = 'application/json';

async function postWithAccept(
  accept: string,
  body: string,
): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: 'Bearer test-token-123' },
    body,
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
}

describe('status codes per Accept type (GraphQL-over-HTTP)', () => {
  const wellFormed: Array<[string, Record<string, unknown>, string]> = [
    ['a document that does not parse', { query: '{ coinEvent(' }, 'GRAPHQL_PARSE_FAILED'],
    ['a document that does not validate', { query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'variables that do not coerce',
      { query: 'query($id: ID!) { coinEvent(coinConfigId: $id) { amount } }', variables: { id: 5.5 } },
      'BAD_USER_INPUT',
    ],
    ['no operation to run', { query: 'query A { __typename } query B { __typename }' }, 'OPERATION_RESOLUTION_FAILURE'],
    [
      'an unknown operationName',
      { query: 'query A { __typename }', operationName: 'B' },
      'OPERATION_RESOLUTION_FAILURE',
    ],
  ];

  it.each(wellFormed)(
    '%s: 200 with Accept: application/json, 400 with application/graphql-response+json',
    async (_name, request, code) => {
      const legacy = await postWithAccept(JSON_ONLY, JSON.stringify(request));
      expect(legacy.status).toBe(200);
      expect(legacy.contentType).toMatch(/^application\/json/);
      const modern = await postWithAccept(GRAPHQL_RESPONSE, JSON.stringify(request));
      expect(modern.status).toBe(400);
      expect(modern.contentType).toMatch(/^application\/graphql-response\+json/);
      // The same GraphQL response either way, without data (the request never ran).
      expect(legacy.body).toEqual(modern.body);
      expect(
        (legacy.body as { errors: Array<{ extensions: { code: string } }> }).errors.map((e) => e.extensions.code),
      ).toEqual([code]);
      expect(legacy.body).not.toHaveProperty('data');
      expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    },
  );

  it.each([
    ['a body that is not JSON', '{"query": '],
    ['no query string', JSON.stringify({ variables: {} })],
  ])('%s (not a well-formed request): 400 BAD_REQUEST with either Accept', async (_name, body) => {
    for (const accept of [JSON_ONLY, GRAPHQL_RESPONSE]) {
      const response = await postWithAccept(accept, body);
      expect(response.status).toBe(400);
      expect((response.body as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(
        'BAD_REQUEST',
      );
    }
  });

  it('an upstream field error is 200 with either Accept (partial data)', async () => {
    for (const accept of [JSON_ONLY, GRAPHQL_RESPONSE]) {
      const response = await postWithAccept(
        accept,
        JSON.stringify({ query: '{ coinEvent(coinConfigId: "bad id") { amount } }' }),
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        data: { coinEvent: null },
        errors: [{ extensions: { code: 'BAD_USER_INPUT' } }],
      });
    }
  });
});

describe('variable coercion errors are BAD_USER_INPUT with extensions.issues', () => {
  const CREATE_WITH = 'mutation($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }';

  it('a string amount, a wrong enum, a missing and an unknown field: every issue at its field path, nothing sent upstream', async () => {
    const response = await gateway.post({
      query: CREATE_WITH,
      variables: { input: { configuration: 'SPECIAL', event: 'MEAL_CARD_PAYMENT', amount: '6', colour: 'red' } },
    });
    expect(response.status).toBe(400);
    const issues = [
      // In the order of the input type's fields, then unknown fields (graphql-js's coercion order).
      { path: ['input', 'amount'], message: 'Int cannot represent non-integer value: "6"' },
      { path: ['input', 'companyId'], message: 'Field "companyId" of required type "String!" was not provided.' },
      { path: ['input', 'configuration'], message: 'Value "SPECIAL" does not exist in "CoinConfiguration" enum.' },
      { path: ['input', 'colour'], message: 'Field "colour" is not defined by type "CreateCoinEventInput".' },
    ];
    expect(await response.json()).toEqual({
      errors: [
        {
          message: `Invalid input: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
          extensions: { code: 'BAD_USER_INPUT', issues },
        },
      ],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a missing or null required variable, and a list entry of the wrong type', async () => {
    const missing = await gateway.gql('query($id: ID!) { coinEvent(coinConfigId: $id) { amount } }', {});
    expect(missing.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [{ path: ['id'], message: 'required: a value of type ID! was not provided' }],
    });
    const nulled = await gateway.gql('query($id: ID!) { coinEvent(coinConfigId: $id) { amount } }', { id: null });
    expect(nulled.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [{ path: ['id'], message: 'must not be null (type ID!)' }],
    });
    const list = await gateway.gql('query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } }', {
      ids: ['WCC1', true],
    });
    expect(list.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [{ path: ['ids', 1], message: 'ID cannot represent value: true' }],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a variable with a default may be omitted', async () => {
    const response = await gateway.gql('query($id: ID! = "WCC000001") { coinEvent(coinConfigId: $id) { amount } }', {});
    expect(response).toEqual({ data: { coinEvent: null } });
  });
});
