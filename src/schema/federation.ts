import { printSubgraphSchema } from '@apollo/subgraph';
import { type DefinitionNode, isUnionType, Kind, parse, print, type GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { builder } from './builder.js';
import { MAX_IDS_PER_LIST, parseArgs } from './input-rules.js';
import { upstreamCallsForRepresentations } from './upstream-costs.js';

/** The Federation version this subgraph declares in its `@link` (what the router composes against). */
const FEDERATION_LINK_URL = 'https://specs.apollo.dev/federation/v2.6';

/**
 * The schema the gateway serves: the public API plus federation's router-facing fields,
 * `_service { sdl }` and `_entities(representations:)`. Entity types and their keys are declared
 * in the noun files (builder.asEntity), next to the root fields whose loaders they share.
 */
export function buildSubgraphSchema(): GraphQLSchema {
  const schema = builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK_URL });
  guardEntityRepresentations(schema);
  return schema;
}

/** The subgraph SDL (with `@link` and `@key`): exactly what `_service { sdl }` answers. */
export function printSubgraphSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(schema)}\n`;
}

/**
 * What the subgraph SDL adds to the public schema (schema.graphql): federation's `extend schema
 * @link(...)` and, for each entity, `extend type ... @key(...)`. Committed as
 * src/schema/subgraph-extension.graphql, so schema.graphql stays the one copy of the public SDL;
 * a test checks that schema.graphql plus this is what `_service { sdl }` answers.
 */
export function printSubgraphExtension(schema: GraphQLSchema): string {
  const definitions: DefinitionNode[] = [];
  for (const definition of parse(printSubgraphSdl(schema)).definitions) {
    if (definition.kind === Kind.SCHEMA_EXTENSION) definitions.push(definition);
    else if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.directives?.length) {
      definitions.push({ kind: Kind.OBJECT_TYPE_EXTENSION, name: definition.name, directives: definition.directives });
    }
  }
  return `${print({ kind: Kind.DOCUMENT, definitions })}\n`;
}

/**
 * `_entities` is created by @apollo/subgraph, outside Pothos, so its argument gets the gateway's
 * input rules here: at most MAX_IDS_PER_LIST representations (each can cost an upstream read,
 * like an id in coinEvents), each an object naming an entity type of this subgraph. A bad list is
 * BAD_USER_INPUT before any upstream call; a bad key inside a representation is reported by that
 * entity's resolveReference, for that entity only.
 */
function guardEntityRepresentations(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const entityUnion = schema.getType('_Entity');
  const resolve = field?.resolve;
  if (!field || !resolve || !isUnionType(entityUnion)) throw new Error('the subgraph schema has no _entities field');
  const entityTypes = entityUnion.getTypes().map((type) => type.name);
  const RepresentationsSchema = z.object({
    representations: z
      .array(
        z.looseObject({
          __typename: z.string().refine((name) => entityTypes.includes(name), {
            message: `must name an entity type of this subgraph: ${entityTypes.join(', ')}`,
          }),
        }),
      )
      .max(MAX_IDS_PER_LIST, `must hold at most ${MAX_IDS_PER_LIST} representations`),
  });
  // Counted against MAX_UPSTREAM_CALLS_PER_OPERATION like the root lists (src/plugins/upstream-budget.ts):
  // Pothos never saw this field, so its cost is declared here, where the complexity plugin reads it.
  field.extensions = {
    ...field.extensions,
    complexity: (args: { representations: unknown[] }) => ({
      field: upstreamCallsForRepresentations(args.representations),
      multiplier: 0,
    }),
  };
  // Wrapping the resolver in place is the one hook @apollo/subgraph leaves for this.
  field.resolve = (source, args, context, info) => {
    parseArgs(RepresentationsSchema, args);
    return resolve(source, args, context, info);
  };
}
