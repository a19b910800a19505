import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GatewayContext } from '../context.js';

/** Only sets up the builder: context type, scalar typings, root types. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  // graphql-js always coerces ID input to a string; ids are strings upstream too.
  Scalars: { ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
}>({
  // Federation (entities, @key, _service/_entities) needs the directives plugin. It stays last:
  // plugins that wrap resolvers (auth) must come before it.
  plugins: [DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
});

builder.queryType({
  description: 'Reads from EnKash Point Management (coins): coin event configurations and user balances.',
});

builder.mutationType({
  description:
    'Changes in EnKash Point Management (coins). Mutations are never retried by the gateway: on a retryable error, ' +
    'the client decides (allocateCoins is safe to resend with the same requestId).',
});
