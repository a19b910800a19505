import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlDefaultDocument, SANDBOX_AUTHORIZATION } from '../../src/graphiql/example-operations.js';
import { DOCUMENTED_EXAMPLE_CONFIG, startSandbox } from '../../src/sandbox/index.js';
import { startTestGateway, upstreamCalls, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway.js';
import { GRAPHIQL_OPERATION_NAMES } from '../helpers/graphiql-examples.js';

// What a developer sees on `npm start` with no upstream: the sandbox seeded with the docs'
// example configuration, and GraphiQL's default document, whose operations must all run as written.
describe("GraphiQL's example operations against the sandbox of npm start", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    const sandbox = await startSandbox({ seedDocumentedExamples: true });
    gateway = await startTestGateway({}, { sandbox });
  });
  afterAll(async () => {
    await gateway.close();
    await gateway.sandbox.close();
  });

  const operationNames = parse(graphiqlDefaultDocument())
    .definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    )
    .map((operation) => operation.name?.value ?? '');

  it('the sandbox holds the configuration of the Create Event example', () => {
    expect(gateway.sandbox.state.getConfig('WCC817428')).toEqual(DOCUMENTED_EXAMPLE_CONFIG);
  });

  it('every operation, run in the order shown, succeeds with the pre-filled header', async () => {
    expect(operationNames).toEqual([...GRAPHIQL_OPERATION_NAMES]);
    const results: Record<string, GraphQLResponse> = {};
    for (const operationName of operationNames) {
      const response = await gateway.post(
        { query: graphiqlDefaultDocument(), operationName },
        { authorization: SANDBOX_AUTHORIZATION },
      );
      results[operationName] = (await response.json()) as GraphQLResponse;
    }
    // The docs' example configuration as every example selects it (with id), before the update.
    const example = { id: 'WCC817428', ...DOCUMENTED_EXAMPLE_CONFIG };
    expect(results.CoinEvent).toEqual({ data: { coinEvent: example } });
    expect(results.CoinEvents).toEqual({ data: { coinEvents: [example] } });
    expect(results.UpdateCoinEvent).toEqual({ data: { updateCoinEvent: { ...example, amount: 10 } } });
    // The allocation echoes its input; the balance it reads is the one CoinBalances reads next.
    const input = {
      requestId: 'COIN_REQ1234567',
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      userId: 'EKQZVMQK',
    };
    const balance = { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 10 };
    expect(results.AllocateCoins).toEqual({
      data: { allocateCoins: { ...input, message: 'Successfully allocated enkash Coins', balance } },
    });
    expect(results.CoinBalance).toEqual({ data: { coinBalance: balance } });
    expect(results.CoinBalances).toEqual({ data: { coinBalances: [balance] } });
    expect(results.CreateCoinEvent?.errors).toBeUndefined();
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      'POST /api/v0/enkash-coins/create-coins-config',
      'GET /api/v0/enkash-coins/WCC817428',
      'GET /api/v0/enkash-coins/WCC817428',
      'PATCH /api/v0/enkash-coins/WCC817428',
      'GET /api/v0/enkash-coins/WCC817428',
      'POST /api/v0/enkash-coins/allocate-coin',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
    ]);
  });
});
