import { createComplexityRule } from '@pothos/plugin-complexity';
import { validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationTooComplex } from './errors/graphql-errors.js';

/**
 * Counts the upstream calls an operation may need before it runs, and refuses it with
 * OPERATION_TOO_COMPLEX when that is more than `maxCalls`: one 10 KB request of 20 aliased
 * 100-id lists was 2000 upstream calls. Each field declares its cost in the schema (Pothos's
 * complexity plugin, `complexity` on the field); the plugin's validation rule adds them up for
 * the operation being run, with this request's variables.
 *
 * It runs here, per execution, and not as a validation rule: yoga caches validation results per
 * document, and the count depends on the variables (a list of ids passed as $ids).
 */
export function useUpstreamBudget(maxCalls: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      let needed = 0;
      const countRule = createComplexityRule({
        context: args.contextValue as object,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName,
        // Called per operation measured; without an operationName every operation is, and the
        // one that runs is at most the largest.
        onResult: (state) => {
          needed = Math.max(needed, state.complexity);
        },
      });
      // Variables that cannot be coerced are not counted: execution refuses them (BAD_USER_INPUT)
      // before any resolver runs, so those errors are left to it.
      validate(args.schema, args.document, [countRule]);
      if (needed > maxCalls) setResultAndStopExecution({ errors: [operationTooComplex(needed, maxCalls)] });
    },
  };
}
