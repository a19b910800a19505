import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * INTROSPECTION=false (the production default): `__schema` and `__type` are validation errors
 * (GRAPHQL_VALIDATION_FAILED), before anything runs. `__typename` still works: clients and
 * normalized caches add it to every selection.
 */
export function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
