import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/limits.js';
import { type TestGateway, useTestGateway } from '../helpers/test-gateway.js';

/** A document graphql-armor refuses: HTTP 400, one validation error with this message, and no upstream call. */
async function expectRefusedByValidation(gateway: TestGateway, response: Response, message: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ errors: [{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  expect(gateway.sandbox.requests).toHaveLength(0);
}

describe('operation shape limits (graphql-armor)', () => {
  const gateway = useTestGateway({}, { resetSandboxBeforeEach: false });

  const balances = (count: number) =>
    Array.from({ length: count }, (_, i) => `b${i}: coinBalance(userId: "USER${i}") { coins }`).join('\n');

  it('accepts an operation with as many aliases as allowed', async () => {
    const response = await gateway.post({ query: `{ ${balances(OPERATION_LIMITS.maxAliases)} }` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Record<string, unknown> };
    expect(Object.keys(body.data)).toHaveLength(OPERATION_LIMITS.maxAliases);
  });

  it('refuses one alias more with a 400 validation error, before any upstream call', async () => {
    gateway.sandbox.reset();
    const response = await gateway.post({ query: `{ ${balances(OPERATION_LIMITS.maxAliases + 1)} }` });
    await expectRefusedByValidation(
      gateway,
      response,
      `Aliases limit of ${OPERATION_LIMITS.maxAliases} exceeded, found ${OPERATION_LIMITS.maxAliases + 1}.`,
    );
  });

  it("accepts GraphiQL's introspection query", async () => {
    const response = await gateway.post({
      query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { __schema: { queryType: { name: string } } } };
    expect(body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses documents deeper than the limit, introspection included', async () => {
    // __Type → fields → type → fields → ... never ends: the classic introspection amplification.
    let selection = 'name';
    for (let level = 0; level < OPERATION_LIMITS.maxDepth; level += 1) selection = `fields { type { ${selection} } }`;
    const response = await gateway.post({ query: `{ __schema { types { ${selection} } } }` });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: unknown[] };
    const depth = 2 + 2 * OPERATION_LIMITS.maxDepth + 1; // __schema, types, the fields/type pairs, name
    expect(body.errors).toContainEqual({
      message: `Query depth limit of ${OPERATION_LIMITS.maxDepth} exceeded, found ${depth}.`,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('refuses documents with too many tokens as a parse failure', async () => {
    const response = await gateway.post({ query: `{ ${'__typename '.repeat(OPERATION_LIMITS.maxTokens)} }` });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: `Syntax Error: Token limit of ${OPERATION_LIMITS.maxTokens} exceeded.`,
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
    });
  });
});

describe('directives per operation (graphql-armor max-directives)', () => {
  const gateway = useTestGateway({}, { resetSandboxBeforeEach: false });
  const withDirectives = (count: number) =>
    `query($show: Boolean = true) { coinBalance(userId: "EKQZVMQK") { ${Array.from(
      { length: count },
      (_, i) => `c${i}: coins @include(if: $show)`,
    ).join(' ')} } }`;

  it('accepts as many directives as allowed', async () => {
    const response = await gateway.post({ query: withDirectives(OPERATION_LIMITS.maxDirectives) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { coinBalance: Record<string, number> } };
    expect(Object.keys(body.data.coinBalance)).toHaveLength(OPERATION_LIMITS.maxDirectives);
  });

  it('refuses one directive more (spread fragments counted) with a 400 validation error, before any upstream call', async () => {
    gateway.sandbox.reset();
    const half = OPERATION_LIMITS.maxDirectives / 2;
    const fragment = Array.from({ length: half }, (_, i) => `f${i}: coins @skip(if: false)`).join(' ');
    const query = `{ coinBalance(userId: "EKQZVMQK") { ...F ...F userId @include(if: true) } } fragment F on CoinBalance { ${fragment} }`;
    const response = await gateway.post({ query });
    await expectRefusedByValidation(
      gateway,
      response,
      `Directives limit of ${OPERATION_LIMITS.maxDirectives} exceeded, found ${OPERATION_LIMITS.maxDirectives + 1}.`,
    );
  });
});
