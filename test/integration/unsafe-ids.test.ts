// graphql-js's ID accepts JSON numbers. One that is not a safe integer lost
// digits when the request was parsed, so distinct requestIds reached the upstream as one string
// (three "successful" allocations credited once). Such a number is BAD_USER_INPUT, before any
// upstream call; safe integers keep working.

import { describe, expect, it } from 'vitest';
import { seedConfig } from '../helpers/sandbox-setup.js';
import { AUTH, upstreamCalls, useTestGateway, type GraphQLResponse } from '../helpers/test-gateway.js';

const gateway = useTestGateway();

const ALLOCATE =
  'mutation($requestId: ID!, $userId: ID!) { allocateCoins(input: { companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", requestId: $requestId, userId: $userId }) { requestId userId } }';
const ALLOCATE_INPUT = 'mutation($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId userId } }';

/** POSTs JSON text as is: JSON.stringify cannot write the digits a client sent. */
async function postRaw(json: string): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: AUTH },
    body: json,
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

// Three requestIds that are distinct in the JSON text but one double (2^53) once
// parsed, so graphql-js's ID made all three "9007199254740992".
const UNSAFE_NUMBERS = ['9007199254740993', '9007199254740992.123457', '9007199254740992.1235'];

const lostDigits = (path: string) =>
  `${path}: a JSON number above 9007199254740991 cannot be an id: it lost digits in transit (it arrived as 9007199254740992); send the id as a string`;

describe('an ID variable that is a JSON number beyond 2^53', () => {
  it('(the premise) the three numbers are one value once the JSON is parsed', () => {
    expect(new Set(UNSAFE_NUMBERS.map((text) => JSON.parse(text) as number))).toEqual(new Set([2 ** 53]));
  });

  it.each(UNSAFE_NUMBERS)('%s as requestId and userId: BAD_USER_INPUT, no upstream call', async (number) => {
    gateway.sandbox.reset();
    const { status, body } = await postRaw(
      `{"query": ${JSON.stringify(ALLOCATE)}, "variables": {"requestId": ${number}, "userId": ${number}}}`,
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [
        {
          message: `Invalid input: ${lostDigits('requestId')}; ${lostDigits('userId')}`,
          extensions: {
            code: 'BAD_USER_INPUT',
            issues: [
              { path: ['requestId'], message: lostDigits('requestId').replace('requestId: ', '') },
              { path: ['userId'], message: lostDigits('userId').replace('userId: ', '') },
            ],
          },
        },
      ],
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('inside an input object variable, with the field path', async () => {
    const { status, body } = await postRaw(
      `{"query": ${JSON.stringify(ALLOCATE_INPUT)}, "variables": {"input": {"companyId": "CEKEKCARDS", "event": "MEAL_CARD_PAYMENT", "requestId": ${UNSAFE_NUMBERS[0]}, "userId": "EKQZVMQK"}}}`,
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      issues: [{ path: ['input', 'requestId'] }],
    });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });

  it('in a list of ids, with the item index', async () => {
    const { status, body } = await postRaw(
      `{"query": "query($ids: [ID!]!) { coinBalances(userIds: $ids) { coins } }", "variables": {"ids": ["EKQZVMQK", ${UNSAFE_NUMBERS[0]}]}}`,
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: ['ids', 1] }] });
    expect(gateway.sandbox.requests).toHaveLength(0);
  });
});

describe('ids that keep their digits work as before', () => {
  it('a safe integer as requestId and userId reaches the upstream as its decimal string', async () => {
    seedConfig(gateway.sandbox);
    const { status, body } = await postRaw(
      `{"query": ${JSON.stringify(ALLOCATE)}, "variables": {"requestId": 9007199254740991, "userId": 12345}}`,
    );
    expect({ status, body }).toEqual({
      status: 200,
      body: { data: { allocateCoins: { requestId: '9007199254740991', userId: '12345' } } },
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual(['POST /api/v0/enkash-coins/allocate-coin']);
    expect(JSON.parse(gateway.sandbox.requests[0]!.body)).toMatchObject({
      requestId: '9007199254740991',
      userId: '12345',
    });
  });

  it('a large number written in the document keeps every digit (literals are not parsed as numbers)', async () => {
    seedConfig(gateway.sandbox);
    const result = await gateway.gql(
      'mutation { allocateCoins(input: { companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", requestId: 9007199254740993, userId: "EKQZVMQK" }) { requestId } }',
    );
    expect(result).toEqual({ data: { allocateCoins: { requestId: '9007199254740993' } } });
    expect(JSON.parse(gateway.sandbox.requests[0]!.body)).toMatchObject({ requestId: '9007199254740993' });
  });
});
