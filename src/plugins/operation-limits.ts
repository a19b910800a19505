import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  Kind,
  type validate,
  type DocumentNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badRequest, graphqlParseFailed, graphqlValidationFailed } from '../errors/graphql-errors.js';
import { OPERATION_LIMITS } from '../limits.js';
import { useResponseLimits } from './response-limits.js';

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
    useDocumentSizeLimits(),
    useBoundedValidation(),
    maxTokensPlugin({ n: OPERATION_LIMITS.maxTokens, exposeLimits: true }),
    useResponseLimits({ maxErrors: OPERATION_LIMITS.maxResponseErrors, maxBytes: OPERATION_LIMITS.maxResponseBytes }),
  ] as Plugin[];
}

/**
 * armor's shape rules, built once and added by useBoundedValidation's hook: armor's own plugins
 * add exactly these rules, but each builds its rule again on every request, from a hook of its
 * own (1.5 KB of garbage per request for the three).
 */
const ARMOR_VALIDATION_RULES: readonly ValidationRule[] = [
  maxAliasesRule({ n: OPERATION_LIMITS.maxAliases, exposeLimits: true, ...reportAsValidationError }),
  maxDepthRule({
    n: OPERATION_LIMITS.maxDepth,
    ignoreIntrospection: false,
    flattenFragments: true,
    exposeLimits: true,
    ...reportAsValidationError,
  }),
  maxDirectivesRule({ n: OPERATION_LIMITS.maxDirectives, exposeLimits: true, ...reportAsValidationError }),
] as ValidationRule[];

/**
 * The document and the operation name are measured before anything reads them: the document in
 * bytes before it is parsed, the request's operationName as it arrives, and the names of the
 * operations in the document right after parsing (cheap: the document is already bounded), before
 * validation could repeat them.
 */
function useDocumentSizeLimits(): Plugin {
  const { maxDocumentBytes, maxOperationNameBytes } = OPERATION_LIMITS;
  return {
    onParams({ params }) {
      // A batch entry may be any JSON value (`[null]`). yoga refuses a non-object only after the
      // plugins' onParams hooks, which read its fields (a TypeError, answered 500), so it is refused
      // here, first, with yoga's own words.
      if (params === null || typeof params !== 'object') {
        throw badRequest(`Expected params to be an object but given ${params === null ? 'null' : typeof params}.`);
      }
      if (typeof params.query === 'string' && !withinBytes(params.query, maxDocumentBytes)) {
        throw graphqlParseFailed(`The GraphQL document is longer than ${maxDocumentBytes} bytes.`);
      }
      if (typeof params.operationName === 'string' && !withinBytes(params.operationName, maxOperationNameBytes)) {
        throw badRequest(`operationName is longer than ${maxOperationNameBytes} bytes.`);
      }
    },
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error || result === null) return;
        const tooLong = longOperationName(result as DocumentNode, maxOperationNameBytes);
        if (tooLong !== undefined) {
          replaceParseResult(
            graphqlParseFailed(
              `An operation name is ${tooLong} bytes long; at most ${maxOperationNameBytes} are accepted.`,
            ),
          );
        }
      };
    },
  };
}

/** A string's UTF-8 length is at least its length in UTF-16 units: a long one is not measured. */
function withinBytes(text: string, maxBytes: number): boolean {
  return text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes;
}

/** The length of the first operation name over `max` (names are ASCII: length = bytes). */
function longOperationName(document: DocumentNode, max: number): number | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name && definition.name.value.length > max) {
      return definition.name.value.length;
    }
  }
  return undefined;
}

/** graphql-js's marker error once `maxErrors` is reached. */
const VALIDATION_ABORTED = 'Too many validation errors, error limit reached. Validation aborted.';

/**
 * Validation reports at most `maxValidationErrors` errors (graphql-js stops there and adds its
 * "Validation aborted." error, which we replace by one that says what happened), refuses
 * subscriptions (the schema has no Subscription type, and graphql-js 16 only notices that while
 * executing, with an error that has no code), and applies armor's alias, depth and directive
 * limits, in that order.
 */
function useBoundedValidation(): Plugin {
  const maxErrors = OPERATION_LIMITS.maxValidationErrors;
  return {
    onValidate({ addValidationRule, validateFn, setValidationFn }) {
      addValidationRule(NoSubscriptionsRule);
      for (const rule of ARMOR_VALIDATION_RULES) addValidationRule(rule);
      // validateFn is graphql-js's validate(schema, document, rules, options, typeInfo) unless a
      // plugin replaced it; envelop's typing calls the fourth parameter typeInfo, but graphql-js
      // reads its options there.
      const graphqlValidate = validateFn as unknown as typeof validate;
      setValidationFn((schema, document, rules) => graphqlValidate(schema, document, rules, { maxErrors }));
      return ({ result, setResult }) => {
        if (result.length > 0 && result[result.length - 1]?.message === VALIDATION_ABORTED) {
          setResult([
            ...result.slice(0, -1),
            // With the extensions yoga gives every validation error (its hook ran before this one).
            graphqlValidationFailed(
              `Validation stopped after ${maxErrors} errors; the document may have more. Fix these and send it again.`,
            ),
          ]);
        }
      };
    },
  };
}

/** Subscriptions are not served: a GraphQL validation error (400) instead of an uncoded execution error. */
const NoSubscriptionsRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') {
      context.reportError(
        new GraphQLError('Subscriptions are not supported: this gateway serves queries and mutations only.', {
          nodes: node,
        }),
      );
    }
  },
});
