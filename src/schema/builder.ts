import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GatewayContext } from '../context.js';

/**
 * Only sets up the builder: context type, scalar typings, plugins, root types.
 *
 * The complexity plugin measures what an operation may cost upstream: each field's `complexity`
 * is the number of upstream calls it can make (src/upstream-budget.ts enforces the budget).
 * Fields cost nothing unless they say so, and a field's selection only counts through its
 * `multiplier` (0 where the selected fields are answered from the same upstream response).
 */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  // graphql-js always coerces ID input to a string; ids are strings upstream too.
  Scalars: { ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
}>({
  // Federation (entities, @key, _service/_entities) needs the directives plugin. It stays last:
  // plugins that wrap resolvers (auth, complexity) must come before it.
  plugins: [ComplexityPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  complexity: { defaultComplexity: 0, defaultListMultiplier: 0 },
});

builder.queryType({
  description: 'Reads from EnKash Point Management (coins): coin event configurations and user balances.',
});

builder.mutationType({
  description:
    'Changes in EnKash Point Management (coins). Mutations are never retried by the gateway: on a retryable error, ' +
    'the client decides (allocateCoins is safe to resend with the same requestId).',
});
