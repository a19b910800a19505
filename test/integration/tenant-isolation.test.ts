import { beforeEach, describe, expect, it } from 'vitest';
import { COINS_SCOPES } from '../../src/auth/caller.js';
import { nowSeconds, signHs256 } from '../helpers/jwks-server.js';
import { useTestGateway, type GraphQLResponse } from '../helpers/test-gateway.js';
import { SERVICE_MODE_ENV, TEST_JWT_SECRET } from '../helpers/service-mode.js';
import { ALLOCATE_PATH, CONFIG_PATH, CREATE_PATH, OAUTH_TOKEN_PATH, balancePath } from '../helpers/upstream-paths.js';

/**
 * The tenant × operation × scope matrix, through the real server and sandbox: for each caller
 * JWT and operation, the exact answer AND the upstream requests actually sent (none when refused).
 */

const OWN = 'CEKEKCARDS';
const OTHER = 'OTHERCO';
const ME = 'EKQZVMQK';
const SOMEONE = 'USER2';
/** The upstream paths of the two seeded configurations and of an unknown id; the calls of the other fields. */
const PATHS = {
  own: `${CONFIG_PATH}OWN1`,
  foreign: `${CONFIG_PATH}FOREIGN1`,
  unknown: `${CONFIG_PATH}NOPE1`,
  create: `POST ${CREATE_PATH}`,
  allocate: `POST ${ALLOCATE_PATH}`,
  balance: (userId: string) => `GET ${balancePath(userId)}`,
};

const gateway = useTestGateway(SERVICE_MODE_ENV);

beforeEach(() => {
  gateway.sandbox.state.seedConfig({
    coinConfigId: 'OWN1',
    configuration: 'DEFAULT',
    companyId: OWN,
    event: 'MEAL',
    amount: 6,
  });
  gateway.sandbox.state.seedConfig({
    coinConfigId: 'FOREIGN1',
    configuration: 'CUSTOM',
    companyId: OTHER,
    event: 'MEAL',
    amount: 9,
  });
});

/** The coins API requests the gateway sent (not its own token requests). */
function apiCalls(): string[] {
  return gateway.sandbox.requests.filter((r) => r.path !== OAUTH_TOKEN_PATH).map((r) => `${r.method} ${r.path}`);
}

interface Claims {
  companies?: string | string[];
  scope?: string;
  sub?: string;
}

async function tokenFor(claims: Claims): Promise<string> {
  return signHs256(TEST_JWT_SECRET, { exp: nowSeconds() + 600, ...claims });
}

async function as(claims: Claims, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  return withoutLocations(await gateway.gql(query, variables, { authorization: `Bearer ${await tokenFor(claims)}` }));
}

/** The answer without errors[].locations (which only repeat where the field is in the document). */
function withoutLocations(answer: GraphQLResponse): GraphQLResponse {
  if (!answer.errors) return answer;
  return {
    ...answer,
    errors: answer.errors.map(
      ({ locations: _locations, ...rest }: Record<string, unknown>) => rest,
    ) as GraphQLResponse['errors'],
  };
}

const ALL = COINS_SCOPES.join(' ');
const without = (scope: string) => COINS_SCOPES.filter((s) => s !== scope).join(' ');
const TENANT: Claims = { companies: [OWN], scope: ALL, sub: ME };

const forbidden = (path: string, message: string) => ({
  data: null,
  errors: [{ message, path: [path], extensions: { code: 'FORBIDDEN' } }],
});

const COIN_EVENT = 'query($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId companyId amount } }';
const COIN_EVENTS = 'query($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId companyId } }';
const CREATE =
  'mutation($company: String!) { createCoinEvent(input: { configuration: DEFAULT, companyId: $company, event: "NEW_EVENT", amount: 3 }) { companyId event amount } }';
const UPDATE =
  'mutation($id: ID!, $input: UpdateCoinEventInput!) { updateCoinEvent(coinConfigId: $id, input: $input) { coinConfigId amount } }';
const ALLOCATE =
  'mutation($company: String!, $user: ID!) { allocateCoins(input: { companyId: $company, event: "MEAL", userId: $user, requestId: "REQ1" }) { userId balance { coins } } }';
const BALANCE = 'query($user: ID!) { coinBalance(userId: $user) { userId coins } }';
const BALANCES = 'query($users: [ID!]!) { coinBalances(userIds: $users) { userId coins } }';

describe('service mode: the gateway acts upstream with its own token', () => {
  it("sends the gateway's EnKash token upstream, never the caller's JWT", async () => {
    const jwt = await tokenFor(TENANT);
    await gateway.gql(COIN_EVENT, { id: 'OWN1' }, { authorization: `Bearer ${jwt}` });
    const issued = gateway.sandbox.oauth.issued.map((token) => `Bearer ${token.accessToken}`);
    const api = gateway.sandbox.requests.filter((request) => request.path !== OAUTH_TOKEN_PATH);
    expect(api.map((request) => `${request.method} ${request.path}`)).toEqual([`GET ${PATHS.own}`]);
    expect(issued).toContain(api[0]?.headers.authorization);
    for (const request of gateway.sandbox.requests) expect(JSON.stringify(request)).not.toContain(jwt);
  });
});

describe('reads: coinEvent / coinEvents (coins:read)', () => {
  it("returns a configuration of the caller's company", async () => {
    expect(await as(TENANT, COIN_EVENT, { id: 'OWN1' })).toEqual({
      data: { coinEvent: { coinConfigId: 'OWN1', companyId: OWN, amount: 6 } },
    });
    expect(apiCalls()).toEqual([`GET ${PATHS.own}`]);
  });

  it("another company's configuration reads as null, exactly like an unknown id", async () => {
    expect(await as(TENANT, COIN_EVENT, { id: 'FOREIGN1' })).toEqual({ data: { coinEvent: null } });
    expect(await as(TENANT, COIN_EVENT, { id: 'NOPE1' })).toEqual({ data: { coinEvent: null } });
    expect(apiCalls()).toEqual([`GET ${PATHS.foreign}`, `GET ${PATHS.unknown}`]);
  });

  it('coinEvents hides each foreign entry on its own', async () => {
    expect(await as(TENANT, COIN_EVENTS, { ids: ['OWN1', 'FOREIGN1', 'NOPE1'] })).toEqual({
      data: { coinEvents: [{ coinConfigId: 'OWN1', companyId: OWN }, null, null] },
    });
    expect(apiCalls().sort()).toEqual([`GET ${PATHS.foreign}`, `GET ${PATHS.own}`, `GET ${PATHS.unknown}`].sort());
  });

  it('a caller with companies "*" sees every company', async () => {
    expect(await as({ ...TENANT, companies: '*' }, COIN_EVENTS, { ids: ['OWN1', 'FOREIGN1'] })).toEqual({
      data: {
        coinEvents: [
          { coinConfigId: 'OWN1', companyId: OWN },
          { coinConfigId: 'FOREIGN1', companyId: OTHER },
        ],
      },
    });
  });

  it('a caller without any company sees nothing', async () => {
    expect(await as({ scope: ALL, sub: ME }, COIN_EVENT, { id: 'OWN1' })).toEqual({ data: { coinEvent: null } });
  });

  it.each([
    ['coinEvent', COIN_EVENT, { id: 'OWN1' }],
    ['coinEvents', COIN_EVENTS, { ids: ['OWN1'] }],
  ])('%s without coins:read: FORBIDDEN, nothing sent upstream', async (field, query, variables) => {
    const answer = await as({ ...TENANT, scope: without('coins:read') }, query, variables);
    expect(answer).toEqual(
      field === 'coinEvent'
        ? {
            data: { coinEvent: null },
            errors: [forbidden(field, 'Forbidden: coinEvent needs the coins:read scope.').errors[0]],
          }
        : forbidden(field, 'Forbidden: coinEvents needs the coins:read scope.'),
    );
    expect(apiCalls()).toEqual([]);
  });
});

describe('createCoinEvent (coins:write)', () => {
  it("creates for the caller's company", async () => {
    expect(await as(TENANT, CREATE, { company: OWN })).toEqual({
      data: { createCoinEvent: { companyId: OWN, event: 'NEW_EVENT', amount: 3 } },
    });
    expect(apiCalls()).toEqual([PATHS.create]);
  });

  it('another company: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as(TENANT, CREATE, { company: OTHER })).toEqual(
      forbidden('createCoinEvent', `Forbidden: this caller may not act for company ${OTHER}.`),
    );
    expect(apiCalls()).toEqual([]);
  });

  it('without coins:write: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as({ ...TENANT, scope: without('coins:write') }, CREATE, { company: OWN })).toEqual(
      forbidden('createCoinEvent', 'Forbidden: createCoinEvent needs the coins:write scope.'),
    );
    expect(apiCalls()).toEqual([]);
  });
});

describe('updateCoinEvent (coins:write)', () => {
  it("changes a configuration of the caller's company: read through the loader, then PATCH", async () => {
    expect(await as(TENANT, UPDATE, { id: 'OWN1', input: { amount: 7 } })).toEqual({
      data: { updateCoinEvent: { coinConfigId: 'OWN1', amount: 7 } },
    });
    expect(apiCalls()).toEqual([`GET ${PATHS.own}`, `PATCH ${PATHS.own}`]);
  });

  it("another company's configuration: NOT_FOUND exactly like an unknown id, and no PATCH", async () => {
    const foreign = await as(TENANT, UPDATE, { id: 'FOREIGN1', input: { amount: 7 } });
    const unknown = await as(TENANT, UPDATE, { id: 'NOPE1', input: { amount: 7 } });
    const notFound = (id: string) => ({
      data: null,
      errors: [
        {
          message: `Not found: there is no coin configuration ${id}.`,
          path: ['updateCoinEvent'],
          extensions: { code: 'NOT_FOUND' },
        },
      ],
    });
    expect(foreign).toEqual(notFound('FOREIGN1'));
    expect(unknown).toEqual(notFound('NOPE1'));
    expect(apiCalls()).toEqual([`GET ${PATHS.foreign}`, `GET ${PATHS.unknown}`]);
    expect(gateway.sandbox.state.getConfig('FOREIGN1')?.amount).toBe(9);
  });

  it('moving a configuration to another company: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as(TENANT, UPDATE, { id: 'OWN1', input: { companyId: OTHER } })).toEqual(
      forbidden('updateCoinEvent', `Forbidden: this caller may not act for company ${OTHER}.`),
    );
    expect(apiCalls()).toEqual([]);
  });

  it('a caller acting for every company needs no read first', async () => {
    expect(await as({ ...TENANT, companies: ['*'] }, UPDATE, { id: 'FOREIGN1', input: { amount: 8 } })).toEqual({
      data: { updateCoinEvent: { coinConfigId: 'FOREIGN1', amount: 8 } },
    });
    expect(apiCalls()).toEqual([`PATCH ${PATHS.foreign}`]);
  });

  it('without coins:write: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as({ ...TENANT, scope: 'coins:read' }, UPDATE, { id: 'OWN1', input: { amount: 7 } })).toEqual(
      forbidden('updateCoinEvent', 'Forbidden: updateCoinEvent needs the coins:write scope.'),
    );
    expect(apiCalls()).toEqual([]);
  });
});

describe('allocateCoins (coins:allocate)', () => {
  it("allocates for the caller's company; the allocation's balance is readable without coins:balances", async () => {
    expect(await as({ ...TENANT, scope: 'coins:allocate' }, ALLOCATE, { company: OWN, user: SOMEONE })).toEqual({
      data: { allocateCoins: { userId: SOMEONE, balance: { coins: 6 } } },
    });
    expect(apiCalls()).toEqual([PATHS.allocate, PATHS.balance(SOMEONE)]);
  });

  it('another company: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as(TENANT, ALLOCATE, { company: OTHER, user: SOMEONE })).toEqual(
      forbidden('allocateCoins', `Forbidden: this caller may not act for company ${OTHER}.`),
    );
    expect(apiCalls()).toEqual([]);
  });

  it('without coins:allocate: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as({ ...TENANT, scope: without('coins:allocate') }, ALLOCATE, { company: OWN, user: ME })).toEqual(
      forbidden('allocateCoins', 'Forbidden: allocateCoins needs the coins:allocate scope.'),
    );
    expect(apiCalls()).toEqual([]);
  });
});

describe('balances (coins:balances, except the caller’s own)', () => {
  const NO_BALANCES = { ...TENANT, scope: 'coins:read' };
  const BALANCE_FORBIDDEN =
    'Forbidden: coinBalance needs the coins:balances scope (a caller may always read its own balance).';

  it('the caller’s own balance needs no scope', async () => {
    expect(await as(NO_BALANCES, BALANCE, { user: ME })).toEqual({ data: { coinBalance: { userId: ME, coins: 0 } } });
    expect(await as(NO_BALANCES, BALANCES, { users: [ME, ME] })).toEqual({
      data: {
        coinBalances: [
          { userId: ME, coins: 0 },
          { userId: ME, coins: 0 },
        ],
      },
    });
    expect(apiCalls()).toEqual([PATHS.balance(ME), PATHS.balance(ME)]);
  });

  it('another user’s balance without coins:balances: FORBIDDEN, nothing sent upstream', async () => {
    expect(await as(NO_BALANCES, BALANCE, { user: SOMEONE })).toEqual({
      data: { coinBalance: null },
      errors: [{ message: BALANCE_FORBIDDEN, path: ['coinBalance'], extensions: { code: 'FORBIDDEN' } }],
    });
    expect(await as(NO_BALANCES, BALANCES, { users: [ME, SOMEONE] })).toEqual(
      forbidden(
        'coinBalances',
        'Forbidden: coinBalances needs the coins:balances scope (a caller may always read its own balance).',
      ),
    );
    expect(apiCalls()).toEqual([]);
  });

  it('a caller without a user claim has no own balance', async () => {
    const answer = await as({ companies: [OWN], scope: 'coins:read' }, BALANCE, { user: ME });
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(apiCalls()).toEqual([]);
  });

  it('with coins:balances, any user', async () => {
    expect(await as({ ...TENANT, scope: 'coins:balances' }, BALANCES, { users: [SOMEONE, ME] })).toEqual({
      data: {
        coinBalances: [
          { userId: SOMEONE, coins: 0 },
          { userId: ME, coins: 0 },
        ],
      },
    });
    expect(apiCalls().sort()).toEqual([PATHS.balance(ME), PATHS.balance(SOMEONE)]);
  });
});

describe("federation's _entities follows the same rules as the root fields", () => {
  const ENTITIES = `query($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on CoinConfig { coinConfigId companyId }
      ... on CoinBalance { userId coins }
    }
  }`;
  const config = (coinConfigId: string) => ({ __typename: 'CoinConfig', coinConfigId });
  const balance = (userId: string) => ({ __typename: 'CoinBalance', userId });

  it("another company's configuration is null; the caller's own balance needs no scope", async () => {
    const answer = await as({ ...TENANT, scope: 'coins:read' }, ENTITIES, {
      representations: [config('OWN1'), config('FOREIGN1'), balance(ME)],
    });
    expect(answer).toEqual({
      data: { _entities: [{ coinConfigId: 'OWN1', companyId: OWN }, null, { userId: ME, coins: 0 }] },
    });
  });

  it('without coins:read / coins:balances: FORBIDDEN per entity, nothing sent upstream', async () => {
    const answer = await as({ ...TENANT, scope: 'coins:write' }, ENTITIES, {
      representations: [config('OWN1'), balance(SOMEONE)],
    });
    expect(answer).toEqual({
      data: { _entities: [null, null] },
      errors: [
        {
          message: 'Forbidden: _entities needs the coins:read scope.',
          path: ['_entities', 0],
          extensions: { code: 'FORBIDDEN' },
        },
        {
          message: 'Forbidden: _entities needs the coins:balances scope (a caller may always read its own balance).',
          path: ['_entities', 1],
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect(apiCalls()).toEqual([]);
  });

  it('without a token: UNAUTHENTICATED, nothing sent upstream', async () => {
    const answer = withoutLocations(
      await gateway.gql(ENTITIES, { representations: [config('OWN1')] }, { authorization: null }),
    );
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(gateway.sandbox.requests).toEqual([]);
  });
});

describe('UNAUTHENTICATED before any upstream call', () => {
  const EVERY_FIELD: Array<[string, string, Record<string, unknown>]> = [
    ['coinEvent', COIN_EVENT, { id: 'OWN1' }],
    ['coinEvents', COIN_EVENTS, { ids: ['OWN1'] }],
    ['createCoinEvent', CREATE, { company: OWN }],
    ['updateCoinEvent', UPDATE, { id: 'OWN1', input: { amount: 2 } }],
    ['allocateCoins', ALLOCATE, { company: OWN, user: ME }],
    ['coinBalance', BALANCE, { user: ME }],
    ['coinBalances', BALANCES, { users: [ME] }],
  ];
  const expired = () => signHs256(TEST_JWT_SECRET, { ...TENANT, exp: nowSeconds() - 60 });
  const forged = () => signHs256(`${TEST_JWT_SECRET}-forged`, { ...TENANT, exp: nowSeconds() + 60 });

  it.each([
    [
      'no Authorization',
      async () => null,
      'Authentication required: send "Authorization: Bearer <token>" with a JWT issued for this gateway.',
    ],
    [
      'a Basic Authorization',
      async () => 'Basic dXNlcjpwYXNz',
      'Authentication required: send "Authorization: Bearer <token>" with a JWT issued for this gateway.',
    ],
    ['an expired token', async () => `Bearer ${await expired()}`, 'Authentication failed: the token has expired.'],
    [
      'a token signed with another secret',
      async () => `Bearer ${await forged()}`,
      'Authentication failed: the token signature is invalid.',
    ],
    ['garbage', async () => 'Bearer not.a.jwt', 'Authentication failed: the token is malformed.'],
  ])('%s: every field is UNAUTHENTICATED and nothing is sent upstream', async (_label, authorization, message) => {
    const header = await authorization();
    for (const [field, query, variables] of EVERY_FIELD) {
      const answer = withoutLocations(await gateway.gql(query, variables, { authorization: header }));
      expect(answer.errors).toEqual([{ message, path: [field], extensions: { code: 'UNAUTHENTICATED' } }]);
      if (header !== null) expect(JSON.stringify(answer)).not.toContain(header.slice(7));
    }
    expect(gateway.sandbox.requests).toEqual([]);
  });

  it('bad input without a token is still UNAUTHENTICATED (nothing is judged for an unknown caller)', async () => {
    const answer = await gateway.gql(COIN_EVENT, { id: 'bad id!' }, { authorization: null });
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('introspection and __typename work without a token', async () => {
    expect(await gateway.gql('{ __typename }', undefined, { authorization: null })).toEqual({
      data: { __typename: 'Query' },
    });
    const introspection = await gateway.gql('{ __schema { queryType { name } } }', undefined, {
      authorization: 'Bearer garbage',
    });
    expect(introspection).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect(gateway.sandbox.requests).toEqual([]);
  });
});
