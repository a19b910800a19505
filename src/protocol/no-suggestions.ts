import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { InputIssue } from '../errors/graphql-errors.js';

/**
 * With introspection off (INTROSPECTION=false, the production default), errors do not carry
 * graphql-js's "Did you mean …?" hints either: they name the fields, arguments, types, input
 * fields and enum values that a typo was close to, so a script could rebuild the schema that
 * turning introspection off hides. The message is otherwise unchanged (its code and locations
 * too): `Cannot query field "coinEvnt" on type "Query".`
 *
 * armor's plugin removes the hints of the form `Did you mean "a" or "b"?` from validation errors
 * (mask '' so nothing replaces them). It misses graphql-js's two other forms, `Did you mean the
 * enum value "A"?` (an enum literal) and `Did you mean to use an inline fragment on "T"?` (a
 * field on a union), and every hint in variable coercion errors, which appear at execution, not
 * validation (useVariableIssues: BAD_USER_INPUT, in the message and in each extensions.issues
 * entry). The second plugin removes those.
 */
export function useNoSuggestions(): Plugin[] {
  return [blockFieldSuggestionsPlugin({ mask: '' }) as Plugin, useNoRemainingSuggestions()];
}

/**
 * graphql-js's didYouMean(): ` Did you mean ` + an optional phrase + one to five quoted names
 * (`"a"`, `"a" or "b"`, `"a", "b", or "c"`) + `?`. Names never contain quotes, so this removes
 * exactly the hint, also in the middle of a message that joins several issues.
 */
const SUGGESTION = / Did you mean (?:[a-z ]+ )?"[^"]*"(?:(?:, |,? or )"[^"]*")*\?/g;

export function withoutSuggestions(message: string): string {
  return message.includes(' Did you mean ') ? message.replace(SUGGESTION, '') : message;
}

/** Rewrites the errors in place: they are this request's own, and keep their code and locations. */
function stripSuggestions(errors: readonly Error[]): void {
  for (const error of errors) {
    error.message = withoutSuggestions(error.message);
    const issues = (error as Partial<GraphQLError>).extensions?.issues as InputIssue[] | undefined;
    if (issues) for (const issue of issues) issue.message = withoutSuggestions(issue.message);
  }
}

function useNoRemainingSuggestions(): Plugin {
  // Built once: these hooks run on every request.
  const onValidateEnd = ({ valid, result }: { valid: boolean; result: readonly Error[] }) => {
    if (!valid) stripSuggestions(result);
  };
  const afterExecute = {
    onExecuteDone({ result }: { result: unknown }) {
      // A single result (the gateway serves no subscriptions or incremental delivery).
      const errors = (result as { errors?: readonly Error[] }).errors;
      if (errors) stripSuggestions(errors);
    },
  };
  return {
    onValidate: () => onValidateEnd,
    // Registered before useVariableIssues, whose early result still passes through onExecuteDone.
    onExecute: () => afterExecute,
  };
}
