// Proof with a real router: a supergraph composed (@theguild/federation-composition) from the
// gateway's own `_service { sdl }` and a small "employees" subgraph written here, served by Hive
// Gateway's runtime on loopback. Queries that span both subgraphs go through the router; the
// sandbox's request log shows what reached the coins API.

import { createServer, type Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoinConfig } from '../../src/sandbox/index.js';
import { envelopeBody, jsonReply } from '../helpers/fault-actions.js';
import { listenOnLoopback } from '../helpers/loopback-server.js';
import {
  AUTH,
  startTestGateway,
  type GraphQLResponse,
  type TestGateway,
  upstreamCalls,
} from '../helpers/test-gateway.js';
import { BALANCE_PATH, CONFIG_PATH, balancePath } from '../helpers/upstream-paths.js';

/** A second subgraph that only knows CoinBalance and CoinConfig by their keys. */
const EMPLOYEES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    employees: [Employee!]!
  }

  type Employee @key(fields: "userId") {
    userId: ID!
    name: String!
    coins: CoinBalance
    bonusEvent: CoinConfig
  }

  type CoinBalance @key(fields: "userId", resolvable: false) {
    userId: ID!
  }

  type CoinConfig @key(fields: "coinConfigId", resolvable: false) {
    coinConfigId: ID!
  }
`;

interface Employee {
  userId: string;
  name: string;
  bonusConfigId: string | null;
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('through Hive Gateway: the coins gateway as one subgraph of a supergraph', () => {
  let coins: TestGateway;
  let employeesServer: Server;
  let routerServer: Server;
  let router: GatewayRuntime;
  let routerUrl: string;
  let employees: Employee[] = [];

  beforeAll(async () => {
    // No retries: a failing upstream answers at once, so the error test stays quick.
    coins = await startTestGateway({ COINS_API_RETRIES: '0' });

    const employeesSchema = buildSubgraphSchema({
      typeDefs: parse(EMPLOYEES_SDL),
      resolvers: {
        Query: { employees: () => employees },
        Employee: {
          coins: (employee: Employee) => ({ userId: employee.userId }),
          bonusEvent: (employee: Employee) =>
            employee.bonusConfigId ? { coinConfigId: employee.bonusConfigId } : null,
        },
      },
    });
    employeesServer = createServer(createYoga({ schema: employeesSchema, logging: false }));
    const employeesUrl = `${await listenOnLoopback(employeesServer)}/graphql`;

    // What a router's composition step does: read each subgraph's SDL from `_service { sdl }`.
    const service = await coins.gql('{ _service { sdl } }', undefined, { authorization: null });
    const coinsSdl = (service.data?._service as { sdl?: string } | undefined)?.sdl;
    if (!coinsSdl) throw new Error(`no _service { sdl }: ${JSON.stringify(service)}`);
    const composition = composeServices([
      { name: 'coins', typeDefs: parse(coinsSdl), url: `${coins.url}/graphql` },
      { name: 'employees', typeDefs: parse(EMPLOYEES_SDL), url: employeesUrl },
    ]);
    if (compositionHasErrors(composition)) {
      throw new Error(`composition failed: ${composition.errors.map((error) => error.message).join('; ')}`);
    }

    router = createGatewayRuntime({
      supergraph: composition.supergraphSdl,
      // A router forwards nothing by default: the coins subgraph needs the caller's Authorization.
      propagateHeaders: {
        fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
      },
      logging: false,
    });
    routerServer = createServer(router);
    routerUrl = `${await listenOnLoopback(routerServer)}/graphql`;
  });

  afterAll(async () => {
    await closeServer(routerServer);
    await router?.dispose();
    await closeServer(employeesServer);
    await coins?.close();
  });

  let meal: CoinConfig;
  let fuel: CoinConfig;
  beforeEach(() => {
    coins.sandbox.reset();
    const create = (event: string, amount: number) => {
      const result = coins.sandbox.state.createConfig({
        configuration: 'DEFAULT',
        companyId: 'CEKEKCARDS',
        event,
        amount,
      });
      if (!result.ok) throw new Error('seed: duplicate configuration');
      return result.config;
    };
    meal = create('MEAL_CARD_PAYMENT', 6);
    fuel = create('FUEL_PAYMENT', 4);
    coins.sandbox.state.allocate({
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      requestId: 'R1',
      userId: 'EKQZVMQK',
    });
    coins.sandbox.requests.length = 0;
    employees = [
      { userId: 'EKQZVMQK', name: 'Asha', bonusConfigId: meal.coinConfigId },
      { userId: 'EKBRAVO1', name: 'Bilal', bonusConfigId: meal.coinConfigId },
      { userId: 'EKCHARL2', name: 'Chen', bonusConfigId: fuel.coinConfigId },
      { userId: 'EKDELTA3', name: 'Divya', bonusConfigId: null },
    ];
  });

  async function viaRouter(
    query: string,
    headers: Record<string, string> = { authorization: AUTH },
  ): Promise<GraphQLResponse> {
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as GraphQLResponse;
  }

  it('joins employees with their coin balances and bonus events: each distinct entity read upstream once', async () => {
    const result = await viaRouter(`{
      employees { userId name coins { userId coins } bonusEvent { coinConfigId event amount } }
    }`);

    expect(result).toEqual({
      data: {
        employees: [
          {
            userId: 'EKQZVMQK',
            name: 'Asha',
            coins: { userId: 'EKQZVMQK', coins: 6 },
            bonusEvent: { coinConfigId: meal.coinConfigId, event: 'MEAL_CARD_PAYMENT', amount: 6 },
          },
          {
            userId: 'EKBRAVO1',
            name: 'Bilal',
            coins: { userId: 'EKBRAVO1', coins: 0 },
            bonusEvent: { coinConfigId: meal.coinConfigId, event: 'MEAL_CARD_PAYMENT', amount: 6 },
          },
          {
            userId: 'EKCHARL2',
            name: 'Chen',
            coins: { userId: 'EKCHARL2', coins: 0 },
            bonusEvent: { coinConfigId: fuel.coinConfigId, event: 'FUEL_PAYMENT', amount: 4 },
          },
          { userId: 'EKDELTA3', name: 'Divya', coins: { userId: 'EKDELTA3', coins: 0 }, bonusEvent: null },
        ],
      },
    });
    // Four balances and two distinct configurations (MEAL is shared): six reads, none repeated,
    // each with the caller's Authorization that the router propagated.
    expect(upstreamCalls(coins.sandbox).sort()).toEqual(
      [
        `GET ${CONFIG_PATH}${fuel.coinConfigId}`,
        `GET ${CONFIG_PATH}${meal.coinConfigId}`,
        ...employees.map((employee) => `GET ${balancePath(employee.userId)}`),
      ].sort(),
    );
    expect(coins.sandbox.requests.map((request) => request.headers.authorization)).toEqual(Array(6).fill(AUTH));
  });

  it('50 employees sharing 2 bonus events: 52 upstream reads, whatever the router batches', async () => {
    employees = Array.from({ length: 50 }, (_, i) => ({
      userId: `EMP${String(i).padStart(3, '0')}`,
      name: `Employee ${i}`,
      bonusConfigId: i % 2 === 0 ? meal.coinConfigId : fuel.coinConfigId,
    }));

    const result = await viaRouter('{ employees { userId coins { coins } bonusEvent { amount } } }');

    expect(result).toEqual({
      data: {
        employees: employees.map((employee, i) => ({
          userId: employee.userId,
          coins: { coins: 0 },
          bonusEvent: { amount: i % 2 === 0 ? 6 : 4 },
        })),
      },
    });
    expect(upstreamCalls(coins.sandbox).sort()).toEqual(
      [
        `GET ${CONFIG_PATH}${fuel.coinConfigId}`,
        `GET ${CONFIG_PATH}${meal.coinConfigId}`,
        ...employees.map((employee) => `GET ${balancePath(employee.userId)}`),
      ].sort(),
    );
  });

  it('101 distinct employees in one query plan step: BAD_USER_INPUT (at most 100 representations), nothing sent upstream', async () => {
    employees = Array.from({ length: 101 }, (_, i) => ({
      userId: `EMP${String(i).padStart(3, '0')}`,
      name: `Employee ${i}`,
      bonusConfigId: null,
    }));

    const result = await viaRouter('{ employees { userId coins { coins } } }');

    expect(result.data).toEqual({ employees: employees.map((employee) => ({ userId: employee.userId, coins: null })) });
    const errors = new Set(result.errors?.map((error) => `${error.extensions?.code}: ${error.message}`));
    expect([...errors]).toEqual([
      'BAD_USER_INPUT: Invalid input: representations: must hold at most 100 representations',
    ]);
    expect(coins.sandbox.requests).toEqual([]);
  });

  it("serves the coins subgraph's own root fields next to the employees' ones", async () => {
    const result = await viaRouter(`{
      coinEvent(coinConfigId: "${fuel.coinConfigId}") { companyId amount }
      employees { name }
    }`);

    expect(result).toEqual({
      data: {
        coinEvent: { companyId: 'CEKEKCARDS', amount: 4 },
        employees: [{ name: 'Asha' }, { name: 'Bilal' }, { name: 'Chen' }, { name: 'Divya' }],
      },
    });
    expect(upstreamCalls(coins.sandbox)).toEqual([`GET ${CONFIG_PATH}${fuel.coinConfigId}`]);
  });

  it('a failing upstream reaches the client through the router with our extensions.code, at the right path', async () => {
    coins.sandbox.faults.inject({
      path: BALANCE_PATH,
      action: jsonReply(503, envelopeBody(503, 'Service Unavailable')),
      times: Infinity,
    });

    const result = await viaRouter('{ employees { name coins { coins } bonusEvent { amount } } }');

    expect(result.data).toEqual({
      employees: [
        { name: 'Asha', coins: null, bonusEvent: { amount: 6 } },
        { name: 'Bilal', coins: null, bonusEvent: { amount: 6 } },
        { name: 'Chen', coins: null, bonusEvent: { amount: 4 } },
        { name: 'Divya', coins: null, bonusEvent: null },
      ],
    });
    // The router keeps our message and extensions, adds the subgraph's name, and points each error
    // at the field its client asked for.
    const byPosition = [...(result.errors ?? [])].sort((a, b) => Number(a.path?.[1]) - Number(b.path?.[1]));
    expect(byPosition).toEqual(
      [0, 1, 2, 3].map((i) => ({
        message: 'The coins API is unavailable (HTTP 503).',
        path: ['employees', i, 'coins', 'coins'],
        extensions: {
          code: 'UPSTREAM_UNAVAILABLE',
          retryable: true,
          upstream: { status: 503, responseCode: 503 },
          serviceName: 'coins',
        },
      })),
    );
    // No retry configured here: one read per distinct balance and configuration, failed or not.
    expect(coins.sandbox.requests).toHaveLength(6);
  });

  it("without the caller's Authorization the coins fields are UNAUTHENTICATED and nothing reaches the coins API", async () => {
    const result = await viaRouter('{ employees { name coins { coins } } }', {});

    expect(result.data).toEqual({
      employees: employees.map((employee) => ({ name: employee.name, coins: null })),
    });
    const errors = (result.errors ?? []).map(({ path, extensions }) => ({ path, code: extensions?.code }));
    expect(errors.sort((a, b) => Number(a.path?.[1]) - Number(b.path?.[1]))).toEqual(
      [0, 1, 2, 3].map((i) => ({ path: ['employees', i, 'coins', 'coins'], code: 'UNAUTHENTICATED' })),
    );
    expect(coins.sandbox.requests).toEqual([]);
  });
});
