import { complexityFromQuery } from '@pothos/plugin-complexity';
import {
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationTooComplex } from '../errors/graphql-errors.js';

/**
 * Counts the upstream calls an operation may need before it runs, and refuses it with
 * OPERATION_TOO_COMPLEX when that is more than `maxCalls`: one 10 KB request of 20 aliased
 * 100-id lists was 2000 upstream calls. Each field declares its cost in the schema (Pothos's
 * complexity plugin, `complexity` on the field); the plugin's complexityFromQuery adds them up for
 * the operation being run, with this request's variables.
 *
 * It runs here, per execution, and not as a validation rule: yoga caches validation results per
 * document, and the count depends on the variables (a list of ids passed as $ids). Validation
 * has already accepted the document, so the count walks only the operation that runs.
 *
 * Only through the arguments of fields whose cost is a function, though: for every other
 * document (createCoinEvent, allocateCoins, coinEvent by $id, a list of inline ids) the count is
 * the same for every request, so it is remembered per parsed document (yoga's parser cache hands
 * out the same DocumentNode for the same query): counting coerces the variables once more and
 * walks the operation, a share of a request's CPU worth skipping (README, Performance notes).
 */
export function useUpstreamBudget(maxCalls: number): Plugin {
  const factsOf = createDocumentFacts();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const document = factsOf(args.schema, args.document);
      const operation = document.operation(args.operationName);
      // A remembered count within the budget passes: with valid variables the count would be
      // the same, with invalid ones nothing is counted (see below). Over the budget, it is
      // counted again, so that invalid variables still get their BAD_USER_INPUT.
      if (operation.count !== undefined && operation.count <= maxCalls) return;
      // No single operation to run (several, none named, or an unknown name): execution refuses
      // the request before any resolver runs, so there is nothing to count.
      if (!operation.runnable) return;
      const needed = countCalls(args.schema, operation.runnable, args.contextValue as object, args.variableValues);
      // Variables that cannot be coerced are not counted: execution refuses them
      // (BAD_USER_INPUT) before any resolver runs, so those errors are left to it.
      if (needed === undefined) return;
      if (!document.countVaries) operation.count = needed;
      if (needed > maxCalls) setResultAndStopExecution({ errors: [operationTooComplex(needed, maxCalls)] });
    },
  };
}

/** What the budget keeps per operation of a parsed document. */
interface OperationFacts {
  /** The operation as a document of its own, with every fragment: what complexityFromQuery measures. */
  readonly runnable: DocumentNode | undefined;
  /** Its count, once counted, when no variable can change it. */
  count?: number;
}

/**
 * Per parsed document (yoga's parser cache hands out the same DocumentNode for the same query):
 * whether its count can change with its variables, and per operation name what OperationFacts
 * says, each worked out once.
 */
function createDocumentFacts() {
  const byDocument = new WeakMap<
    DocumentNode,
    { countVaries: boolean; operation(name: string | null | undefined): OperationFacts }
  >();
  return (schema: GraphQLSchema, document: DocumentNode) => {
    let facts = byDocument.get(document);
    if (!facts) {
      const operations = new Map<string, OperationFacts>();
      facts = {
        countVaries: dependsOnVariables(schema, document),
        operation(name) {
          const key = name ?? '';
          let operation = operations.get(key);
          if (!operation) {
            operation = { runnable: runnableOperation(document, name) };
            operations.set(key, operation);
          }
          return operation;
        },
      };
      byDocument.set(document, facts);
    }
    return facts;
  };
}

/**
 * The operation a request runs (graphql-js's own choice: the named one, or the only one) with
 * the document's fragments, as a document of its own: Pothos's complexityFromQuery measures a
 * document's first operation.
 */
function runnableOperation(document: DocumentNode, operationName: string | null | undefined): DocumentNode | undefined {
  const chosen = getOperationAST(document, operationName);
  if (!chosen) return undefined;
  return {
    ...document,
    definitions: document.definitions.filter(
      (definition) => definition.kind !== Kind.OPERATION_DEFINITION || definition === chosen,
    ),
  };
}

/**
 * The fields' declared costs added up for one operation, or undefined when the variables do not
 * fit their types. The same count as the plugin's validation rule, without a validation pass
 * over the whole document on every request.
 */
function countCalls(
  schema: GraphQLSchema,
  operation: DocumentNode,
  context: object,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): number | undefined {
  try {
    return complexityFromQuery(operation, { schema, ctx: context, variables: { ...variables } }).complexity;
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
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
