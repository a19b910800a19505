import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every upstream-backed field can cost an upstream call (a list up to 100), so the shape of an
 * operation is bounded before it runs (graphql-armor): aliases multiply calls, depth and token
 * counts bound parsing and validation work. Rejections are 400s: GRAPHQL_VALIDATION_FAILED for
 * aliases, depth and directives, GRAPHQL_PARSE_FAILED for tokens.
 */
export const OPERATION_LIMITS = {
  /** Aliases per operation: 20 aliased lists of 100 ids are already 2000 upstream calls. */
  maxAliases: 20,
  /**
   * Our own types nest 3 levels at most (allocateCoins → balance → coins); the depth that matters
   * is introspection's, whose types refer to each other without end. GraphiQL's introspection
   * query (graphql-js getIntrospectionQuery) fits.
   */
  maxDepth: 15,
  /** Room for a 100-id list with variables inlined, and for GraphiQL's introspection query. */
  maxTokens: 5000,
  /**
   * Directives per operation (fragments counted where they are spread): @include/@skip on a
   * form's optional fields need a handful; thousands of them are only a way to make validation
   * and execution work. GraphiQL's introspection query uses none.
   */
  maxDirectives: 20,
} as const;

/**
 * armor's validation rules throw by default, which yoga answers as an unexplained error; reported
 * through the validation context instead they become ordinary 400 validation errors. Their
 * "Syntax Error:" prefix is dropped: the document parsed fine, it is just too big.
 */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

export function operationLimitPlugins(): Plugin[] {
  return [
    maxAliasesPlugin({ n: OPERATION_LIMITS.maxAliases, exposeLimits: true, ...reportAsValidationError }),
    maxDepthPlugin({
      n: OPERATION_LIMITS.maxDepth,
      ignoreIntrospection: false,
      flattenFragments: true,
      exposeLimits: true,
      ...reportAsValidationError,
    }),
    maxTokensPlugin({ n: OPERATION_LIMITS.maxTokens, exposeLimits: true }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.maxDirectives, exposeLimits: true, ...reportAsValidationError }),
  ] as Plugin[];
}
