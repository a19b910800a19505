import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
// Each noun file registers its types, root fields and entity keys on the builder.
import './coin-config.js';
import './coin-balance.js';
import './coin-allocation.js';
import { buildSubgraphSchema, printSubgraphExtension } from './federation.js';

/** The public API that clients and codegen read: committed as schema.graphql. */
export const publicSchema: GraphQLSchema = builder.toSchema();

/**
 * The schema the gateway serves: the public API plus Apollo Federation's router-facing
 * `_service` and `_entities` (and their types), so the gateway is a subgraph with no glue.
 */
export const schema: GraphQLSchema = buildSubgraphSchema();

/** The SDL committed as schema.graphql (sorted, so diffs stay readable). */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(publicSchema))}\n`;
}

/** Committed as src/schema/subgraph-extension.graphql: schema.graphql plus this is the subgraph SDL. */
export function printSubgraphSchemaExtension(): string {
  return printSubgraphExtension(schema);
}
