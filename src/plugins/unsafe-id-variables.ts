import {
  getNamedType,
  getOperationAST,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLNamedInputType,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badVariables, type InputIssue } from '../errors/graphql-errors.js';

/**
 * graphql-js's ID accepts a JSON number and turns it into a string. A number that is not a safe
 * integer has already lost digits when the request's JSON was parsed (9007199254740993 arrives
 * as ...992), so distinct ids would reach the upstream as the same string: for allocateCoins'
 * requestId, distinct allocations answered "success" while one was credited. Such a variable is
 * BAD_USER_INPUT before execution, never rounded. Safe integers stay accepted as before, and ids
 * written in the document keep their digits (literals are never parsed as numbers).
 *
 * A plugin rather than a custom ID scalar: Pothos always builds ID as graphql-js's GraphQLID.
 */
export function useUnsafeIdVariablesRefused(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = args.variableValues;
      if (!variables) return;
      const operation = getOperationAST(args.document, args.operationName);
      const issues: InputIssue[] = [];
      for (const definition of operation?.variableDefinitions ?? []) {
        const type = typeFromAST(args.schema, definition.type) as GraphQLInputType | undefined;
        const name = definition.variable.name.value;
        if (type && canHoldId(type)) collectUnsafeIds(variables[name], type, [name], issues);
      }
      if (issues.length === 0) return;
      // Answered like any variable that does not fit its type (./variable-issues.ts):
      // 400, or 200 for `Accept: application/json`; paths start at the variable name.
      setResultAndStopExecution({ errors: [badVariables(issues)] });
    },
  };
}

const holdsId = new WeakMap<GraphQLNamedInputType, boolean>();

/**
 * Whether a value of this type can contain an ID anywhere: most variables (createCoinEvent's
 * input, a userId String) cannot, and are not walked at all. Remembered per named type (the
 * schema's types live as long as the schema; list and non-null wrappers change nothing here).
 */
function canHoldId(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  let known = holdsId.get(named);
  if (known === undefined) {
    known = containsId(named, new Set());
    holdsId.set(named, known);
  }
  return known;
}

function containsId(type: GraphQLNamedInputType, visiting: Set<GraphQLNamedInputType>): boolean {
  if (!isInputObjectType(type)) return type.name === 'ID';
  // An input type that refers to itself: its other fields decide.
  if (visiting.has(type)) return false;
  visiting.add(type);
  return Object.values(type.getFields()).some((field) => containsId(getNamedType(field.type), visiting));
}

function collectUnsafeIds(
  value: unknown,
  type: GraphQLInputType,
  path: (string | number)[],
  issues: InputIssue[],
): void {
  if (value === null || value === undefined) return;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    // A single value where a list is expected is coerced to a list of one.
    const items: unknown[] = Array.isArray(value) ? value : [value];
    items.forEach((item, index) => {
      collectUnsafeIds(item, inner.ofType, Array.isArray(value) ? [...path, index] : path, issues);
    });
  } else if (isInputObjectType(inner)) {
    if (typeof value !== 'object') return;
    for (const [name, field] of Object.entries(inner.getFields())) {
      collectUnsafeIds((value as Record<string, unknown>)[name], field.type, [...path, name], issues);
    }
  } else if (
    inner.name === 'ID' &&
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    Number.isInteger(value)
  ) {
    issues.push({
      path,
      message:
        `a JSON number above ${Number.MAX_SAFE_INTEGER} cannot be an id: it lost digits in transit ` +
        `(it arrived as ${value}); send the id as a string`,
    });
  }
}
