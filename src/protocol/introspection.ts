import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * INTROSPECTION=false (the production default): `__schema` and `__type` are validation errors
 * (GRAPHQL_VALIDATION_FAILED), before anything runs, and so is federation's `_service { sdl }`,
 * which answers the whole schema as SDL, descriptions included: left on, it would give away
 * exactly what turning introspection off hides. Routers need only `_entities` at run time; a
 * supergraph is composed from the SDL files of the deployed commit (README, Federation), or from
 * an instance with INTROSPECTION=true. `__typename` still works: clients and normalized caches
 * add it to every selection.
 */
export function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      addValidationRule(NoSubgraphSdlRule);
    },
  };
}

/** `_service` on the query root, in graphql-js's words for `__schema`. */
const NoSubgraphSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType() === context.getSchema().getQueryType()) {
      context.reportError(
        new GraphQLError(
          'GraphQL introspection has been disabled, but the requested query contained the field "_service".',
          {
            nodes: node,
          },
        ),
      );
    }
  },
});
