import { execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes with graphql-js's own `execute` instead of yoga's default (@graphql-tools/executor).
 * Yoga's executor writes each field into the result as it settles, so a synchronous field
 * (`__typename`) or a value already in hand overtakes an upstream-backed one and the response
 * keys come out in completion order. graphql-js assembles every object in selection-set order,
 * which the GraphQL-over-HTTP spec asks for ("Serialized Map Ordering") and which clients that
 * compare or hash responses rely on. The schema has no subscriptions, @defer or @stream, the
 * only features yoga's executor adds.
 */
export function useOrderedExecution(): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
  };
}
