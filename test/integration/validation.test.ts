import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createCoinsClient } from '../../src/upstream/coins-client.js';
import type { HttpRequest, HttpTransport } from '../../src/upstream/http-transport.js';
import { createResilience } from '../../src/upstream/resilience.js';
import { AUTH, useTestGateway, upstreamCalls } from '../helpers/test-gateway.js';
import { BALANCE_PATH, CONFIG_PATH } from '../helpers/upstream-paths.js';

/**
 * The gateway's own input rules: checked before any upstream call, every problem of one
 * input reported at once with exact paths, nothing trimmed or fixed.
 */

const CREATE =
  'mutation Create($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId companyId event amount } }';
const GET = 'query Get($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId } }';
const UPDATE =
  'mutation Update($id: ID!, $input: UpdateCoinEventInput!) { updateCoinEvent(coinConfigId: $id, input: $input) { coinConfigId amount } }';
const VALID = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };

const COMPANY_RULE = 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -';
const EVENT_RULE = 'must be 1-64 characters of A-Z, a-z, 0-9 or _';

function badInput(field: string, column: number, issues: Array<{ path: (string | number)[]; message: string }>) {
  return {
    data: null,
    errors: [
      {
        message: `Invalid input: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        locations: [{ line: 1, column }],
        path: [field],
        extensions: { code: 'BAD_USER_INPUT', issues },
      },
    ],
  };
}

const createColumn = CREATE.indexOf('createCoinEvent(') + 1;
const updateColumn = UPDATE.indexOf('updateCoinEvent(') + 1;

const gateway = useTestGateway();

describe('createCoinEvent input rules', () => {
  it.each([
    ['companyId', ' CEK', COMPANY_RULE],
    ['companyId', 'CEK ', COMPANY_RULE],
    ['companyId', '', COMPANY_RULE],
    ['companyId', 'C'.repeat(65), COMPANY_RULE],
    ['companyId', 'CEK/../admin', COMPANY_RULE],
    ['companyId', 'CEK.1', COMPANY_RULE],
    ['companyId', 'CÉK', COMPANY_RULE],
    ['event', 'MEAL-CARD', EVENT_RULE],
    ['event', 'MEAL CARD', EVENT_RULE],
    ['event', ' MEAL', EVENT_RULE],
    ['event', '', EVENT_RULE],
    ['event', 'E'.repeat(65), EVENT_RULE],
    ['amount', 0, 'must be at least 1'],
    ['amount', -5, 'must be at least 1'],
    ['amount', 1_000_001, 'must be at most 1000000'],
  ])('rejects %s = %j before calling the upstream', async (field, value, message) => {
    const response = await gateway.gql(CREATE, { input: { ...VALID, [field]: value } });
    expect(response).toEqual(badInput('createCoinEvent', createColumn, [{ path: ['input', field], message }]));
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('accepts the bounds exactly as sent (64 characters, amount 1 and 1000000, hyphen in companyId)', async () => {
    const companyId = `C-${'x'.repeat(62)}`;
    const event = 'E'.repeat(64);
    const low = await gateway.gql(CREATE, { input: { ...VALID, companyId, event, amount: 1 } });
    expect(low.errors).toBeUndefined();
    expect(low.data?.createCoinEvent).toMatchObject({ companyId, event, amount: 1 });
    const high = await gateway.gql(CREATE, {
      input: { ...VALID, companyId: 'cek_lower-1', event: 'e_1', amount: 1_000_000 },
    });
    expect(high.errors).toBeUndefined();
    expect(high.data?.createCoinEvent).toMatchObject({ companyId: 'cek_lower-1', event: 'e_1', amount: 1_000_000 });
    expect(gateway.sandbox.requests.map((request) => request.body)).toEqual([
      JSON.stringify({ configuration: 'DEFAULT', companyId, event, amount: 1 }),
      JSON.stringify({ configuration: 'DEFAULT', companyId: 'cek_lower-1', event: 'e_1', amount: 1_000_000 }),
    ]);
  });

  it('reports every problem of one input at once, in field order', async () => {
    const response = await gateway.gql(CREATE, {
      input: { configuration: 'CUSTOM', companyId: ' CEK', event: 'bad event', amount: 0 },
    });
    expect(response).toEqual(
      badInput('createCoinEvent', createColumn, [
        { path: ['input', 'companyId'], message: COMPANY_RULE },
        { path: ['input', 'event'], message: EVENT_RULE },
        { path: ['input', 'amount'], message: 'must be at least 1' },
      ]),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('inline literals are judged the same way as variables', async () => {
    const query =
      'mutation { createCoinEvent(input: { configuration: DEFAULT, companyId: "CEK", event: "X", amount: 2000000 }) { coinConfigId } }';
    const response = await gateway.gql(query);
    expect(response).toEqual(
      badInput('createCoinEvent', query.indexOf('createCoinEvent(') + 1, [
        { path: ['input', 'amount'], message: 'must be at most 1000000' },
      ]),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a wrongly typed amount is refused by GraphQL itself (HTTP 400), before any upstream call', async () => {
    const res = await gateway.post({ query: CREATE, variables: { input: { ...VALID, amount: '6' } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [
        {
          message: 'Invalid input: input.amount: Int cannot represent non-integer value: "6"',
          extensions: {
            code: 'BAD_USER_INPUT',
            issues: [{ path: ['input', 'amount'], message: 'Int cannot represent non-integer value: "6"' }],
          },
        },
      ],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});

describe('coinEvent and updateCoinEvent id rules', () => {
  it.each([' WCC1', 'WCC1 ', '', 'WCC/1', '../create-coins-config', 'WCC%2F1', 'WCC?x=1', 'W'.repeat(65)])(
    'coinEvent rejects coinConfigId %j without calling the upstream',
    async (id) => {
      const response = await gateway.gql(GET, { id });
      expect(response).toEqual({
        data: { coinEvent: null },
        errors: [
          {
            message: `Invalid input: coinConfigId: ${COMPANY_RULE}`,
            locations: [{ line: 1, column: GET.indexOf('coinEvent(') + 1 }],
            path: ['coinEvent'],
            extensions: { code: 'BAD_USER_INPUT', issues: [{ path: ['coinConfigId'], message: COMPANY_RULE }] },
          },
        ],
      });
      expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    },
  );

  it('updateCoinEvent reports a bad id and bad input fields together', async () => {
    const response = await gateway.gql(UPDATE, { id: 'WCC 1', input: { event: 'A-B', amount: 1_000_001 } });
    expect(response).toEqual(
      badInput('updateCoinEvent', updateColumn, [
        { path: ['coinConfigId'], message: COMPANY_RULE },
        { path: ['input', 'event'], message: EVENT_RULE },
        { path: ['input', 'amount'], message: 'must be at most 1000000' },
      ]),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('updateCoinEvent refuses an explicit null and an empty change', async () => {
    expect(await gateway.gql(UPDATE, { id: 'WCC1', input: { amount: null } })).toEqual(
      badInput('updateCoinEvent', updateColumn, [
        { path: ['input', 'amount'], message: 'must not be null: omit the field to leave it unchanged' },
      ]),
    );
    expect(await gateway.gql(UPDATE, { id: 'WCC1', input: {} })).toEqual(
      badInput('updateCoinEvent', updateColumn, [{ path: ['input'], message: 'give at least one field to change' }]),
    );
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('validation comes before authentication: no credential needed to learn the input is wrong', async () => {
    const response = await gateway.gql(GET, { id: 'bad id' }, { authorization: null });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a valid id reaches the upstream path as one segment', async () => {
    const created = gateway.sandbox.state.createConfig({ ...VALID, configuration: 'DEFAULT' });
    if (!created.ok) throw new Error('sandbox refused the configuration');
    const id = created.config.coinConfigId;
    const response = await gateway.gql(GET, { id });
    expect(response).toEqual({ data: { coinEvent: { coinConfigId: id } } });
    expect(gateway.sandbox.requests).toHaveLength(1);
    expect(gateway.sandbox.requests[0]).toMatchObject({ method: 'GET', path: `${CONFIG_PATH}${id}`, body: '' });
    expect(gateway.sandbox.requests[0]?.headers.authorization).toBe(AUTH);
  });
});

describe('ids are URL-encoded in upstream paths (defence in depth behind validation)', () => {
  // Validation already keeps '/', '?', '%' and spaces out of ids; the coins client must still
  // encode whatever it is given, so a future looser rule cannot address another endpoint.
  function recordingClient() {
    const sent: HttpRequest[] = [];
    const transport: HttpTransport = {
      async send(request) {
        sent.push(request);
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: request.path.startsWith(BALANCE_PATH)
            ? '{"payload":5,"response_code":0,"response_message":"Success"}'
            : '{"payload":{"coinConfigId":"WCC1"},"response_code":0,"response_message":"Success"}',
        };
      },
      close: async () => {},
    };
    const client = createCoinsClient({
      transport,
      resilience: createResilience({
        retries: 0,
        breakerFailures: 1000,
        breakerCooldownMs: 1000,
        breakerFailureRate: 0.5,
        breakerWindowMs: 10_000,
      }),
      timeoutMs: 1000,
      logger: createLogger('silent'),
    });
    return { client, sent };
  }

  const RAW = '../x/WCC 1?a=b#c%2F&é';
  const ENCODED = '..%2Fx%2FWCC%201%3Fa%3Db%23c%252F%26%C3%A9';

  it('Get Event and Update Event encode the coinConfigId as one path segment', async () => {
    const { client, sent } = recordingClient();
    await client.getCoinConfig(RAW, { authorization: AUTH });
    await client.updateCoinConfig(RAW, { amount: 2 }, { authorization: AUTH });
    expect(sent.map((request) => [request.method, request.path])).toEqual([
      ['GET', `${CONFIG_PATH}${ENCODED}`],
      ['PATCH', `${CONFIG_PATH}${ENCODED}`],
    ]);
  });

  it('Get Balance encodes the userId in the query string', async () => {
    const { client, sent } = recordingClient();
    await client.getBalance('U&userId=other', { authorization: AUTH });
    expect(sent.map((request) => request.path)).toEqual([`${BALANCE_PATH}?userId=U%26userId%3Dother`]);
  });
});
