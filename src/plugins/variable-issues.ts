import {
  coerceInputValue,
  getOperationAST,
  isInputType,
  isNonNullType,
  print,
  typeFromAST,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badVariables, type InputIssue } from '../errors/graphql-errors.js';
import { MAX_VARIABLE_ISSUES } from '../limits.js';

/**
 * Variable coercion errors as BAD_USER_INPUT with `extensions.issues`, like argument validation,
 * so a form maps every error to its field. graphql-js reports them as flat messages
 * ('Variable "$input" got invalid value "6" at "input.amount"; Int cannot ...') whose path can
 * only be recovered by parsing the printed value; here the same coercion (graphql-js's own
 * coerceInputValue, so exactly the same rules) runs first with a structured error callback.
 * Nothing runs, and nothing goes upstream, when a variable is invalid.
 */
export function useVariableIssues(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const issues = variableIssues(args.schema, args.document, args.operationName, args.variableValues);
      if (issues.length === 0) return;
      // A request error of a well-formed request (a result set here is not masked).
      setResultAndStopExecution({ errors: [badVariables(issues)] });
    },
  };
}

/** Every problem with the request's variables, addressed from the variable name: ["input", "amount"]. */
export function variableIssues(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): InputIssue[] {
  const definitions = getOperationAST(document, operationName)?.variableDefinitions;
  if (!definitions?.length) return [];
  const values = variables ?? {};
  const issues: InputIssue[] = [];
  const add = (issue: InputIssue) => {
    if (issues.length < MAX_VARIABLE_ISSUES) issues.push(issue);
    else if (issues.length === MAX_VARIABLE_ISSUES)
      issues.push({ path: [], message: `more than ${MAX_VARIABLE_ISSUES} problems; the rest are not listed` });
  };
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    // Validation already refused unknown and non-input types (VariablesAreInputTypes).
    if (type === undefined || !isInputType(type)) continue;
    if (!Object.hasOwn(values, name)) {
      if (definition.defaultValue === undefined && isNonNullType(type)) {
        add({ path: [name], message: `required: a value of type ${print(definition.type)} was not provided` });
      }
      continue;
    }
    const value = values[name];
    if (value === null && isNonNullType(type)) {
      add({ path: [name], message: `must not be null (type ${print(definition.type)})` });
      continue;
    }
    coerceInputValue(value, type, (path, _invalid, error) => {
      add({ path: [name, ...path, ...fieldNamedIn(error.message)], message: error.message });
    });
  }
  return issues;
}

/**
 * graphql-js addresses a missing or unknown input field by its parent object and names the field
 * in the message ('Field "companyId" of required type "String!" was not provided.'); a form wants
 * the field's own path.
 */
function fieldNamedIn(message: string): string[] {
  const match = /^Field "([^"]+)" (?:of required type "[^"]+" was not provided|is not defined by type "[^"]+")/.exec(
    message,
  );
  return match?.[1] === undefined ? [] : [match[1]];
}
