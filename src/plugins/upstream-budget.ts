import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationTooComplex } from '../errors/graphql-errors.js';

/**
 * Counts the upstream calls an operation may need before it runs, and refuses it with
 * OPERATION_TOO_COMPLEX when that is more than `maxCalls`: one 10 KB request of 20 aliased
 * 100-id lists was 2000 upstream calls. Each field declares its cost in the schema (Pothos's
 * complexity plugin, `complexity` on the field); the plugin's validation rule adds them up for
 * the operation being run, with this request's variables.
 *
 * It runs here, per execution, and not as a validation rule: yoga caches validation results per
 * document, and the count depends on the variables (a list of ids passed as $ids).
 *
 * Only through the arguments of fields whose cost is a function, though: for every other
 * document (createCoinEvent, allocateCoins, coinEvent by $id, a list of inline ids) the count is
 * the same for every request, so it is remembered per parsed document (yoga's parser cache hands
 * out the same DocumentNode for the same query). Running the rule costs a validation pass and a
 * second coercion of the variables, about 8% of the CPU of a createCoinEvent request.
 */
export function useUpstreamBudget(maxCalls: number): Plugin {
  const remembered = new WeakMap<DocumentNode, Map<string, number>>();
  // Whether a document's count can change with its variables, decided once per document.
  const varies = new WeakMap<DocumentNode, boolean>();
  const countVaries = (schema: GraphQLSchema, document: DocumentNode) => {
    let answer = varies.get(document);
    if (answer === undefined) {
      answer = dependsOnVariables(schema, document);
      varies.set(document, answer);
    }
    return answer;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operationKey = args.operationName ?? '';
      const known = remembered.get(args.document)?.get(operationKey);
      // A remembered count within the budget passes: with valid variables the rule would find
      // the same count, with invalid ones it counts nothing (see below). Over the budget, the
      // rule runs again, so that invalid variables still get their BAD_USER_INPUT.
      if (known !== undefined && known <= maxCalls) return;
      let needed = 0;
      let operationsCounted = 0;
      const countRule = createComplexityRule({
        context: args.contextValue as object,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName,
        // Called per operation measured; without an operationName every operation is, and the
        // one that runs is at most the largest.
        onResult: (state) => {
          needed = Math.max(needed, state.complexity);
          operationsCounted += 1;
        },
      });
      // Variables that cannot be coerced are not counted: execution refuses them (BAD_USER_INPUT)
      // before any resolver runs, so those errors are left to it.
      validate(args.schema, args.document, [countRule]);
      // Remembered only when every operation measured was counted (none skipped for invalid
      // variables or an unknown field), and the count cannot change with the variables.
      const operationsMeasured =
        args.operationName == null
          ? args.document.definitions.filter(
              (definition: DefinitionNode) => definition.kind === Kind.OPERATION_DEFINITION,
            ).length
          : 1;
      if (operationsCounted === operationsMeasured && !countVaries(args.schema, args.document)) {
        const byOperation = remembered.get(args.document) ?? new Map<string, number>();
        byOperation.set(operationKey, needed);
        remembered.set(args.document, byOperation);
      }
      if (needed > maxCalls) setResultAndStopExecution({ errors: [operationTooComplex(needed, maxCalls)] });
    },
  };
}

/**
 * True when a variable appears in the arguments of a field whose cost is a function of its
 * arguments (the id lists, _entities' representations): only then can two requests with the
 * same document cost differently. Anywhere in the document, whichever operation runs.
 */
function dependsOnVariables(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let depends = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const cost = typeInfo.getFieldDef()?.extensions?.complexity;
        if (typeof cost === 'function' && node.arguments?.some((argument) => containsVariable(argument.value))) {
          depends = true;
        }
      },
    }),
  );
  return depends;
}

function containsVariable(node: { kind: Kind }): boolean {
  let found = false;
  visit(node as DocumentNode, {
    Variable() {
      found = true;
    },
  });
  return found;
}
