import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors/error-codes.js';
import { isTooLargeReplacement } from '../plugins/response-limits.js';
import { unexpectedErrorDetails } from '../errors/mask-error.js';
import type { BatchedOperation, Observability, RequestScope } from './observability.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/**
 * The request side of observability, as one yoga plugin: each request to the GraphQL endpoint
 * gets a request id (the caller's when acceptable), echoed in `x-request-id`; its operation's
 * type and name are read once the document is parsed; when it is answered, its metrics, its
 * access log line and its span are recorded by its RequestScope.
 */
export interface RequestScopes {
  /**
   * The scope of a request to the GraphQL endpoint (undefined for /health, /ready, GraphiQL); for
   * an operation of a batch, given its yoga context, that operation's own scope.
   */
  scopeOf(request: Request, context?: object): RequestScope | BatchedOperation | undefined;
}

export function useObservability(
  observability: Observability,
  graphqlEndpoint: string,
): { plugin: Plugin; finishPlugin: Plugin; scopes: RequestScopes } {
  // Keyed by the Request object: it lives exactly as long as the request, and yoga hands the same
  // object to every hook and to the context factory.
  const scopes = new WeakMap<Request, RequestScope>();
  // A batch: its entries as parsed, and which entry each operation's yoga context runs (yoga
  // gives each batched operation a context object of its own, from onParams to execution).
  const batches = new WeakMap<Request, readonly unknown[]>();
  const batchIndexes = new WeakMap<object, number>();
  const batchedOperationOf = (request: Request, context: object): BatchedOperation | undefined => {
    const index = batchIndexes.get(context);
    return index === undefined ? undefined : scopes.get(request)?.batchedOperation(index);
  };

  const plugin: Plugin = {
    onRequest({ request, url }) {
      if (url.pathname !== graphqlEndpoint) return;
      const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
      scopes.set(request, observability.openRequest(requestId, request));
    },
    onRequestParse({ request }) {
      const scope = scopes.get(request);
      if (!scope) return;
      return {
        onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult)) return;
          batches.set(request, requestParserResult);
          scope.startBatch(requestParserResult.length);
        },
      };
    },
    onParams({ params, request, context }) {
      // This plugin's onParams runs first, so `params` is still the batch's own entry.
      const index = batches.get(request)?.indexOf(params);
      if (index === undefined || index < 0) return;
      batchIndexes.set(context, index);
      scopes.get(request)?.batchedOperationStarted(index);
    },
    onParse({ context }) {
      return ({ result }) => {
        const scope = batchedOperationOf(context.request, context) ?? scopes.get(context.request);
        if (!scope || !isDocument(result)) return;
        const operation = getOperationAST(result, context.params.operationName);
        if (operation) scope.nameOperation(operation.operation, operation.name?.value);
      };
    },
    onResultProcess({ request, result }) {
      const scope = scopes.get(request);
      if (!scope) return;
      // A batch answered with one result, not an array, was refused whole.
      if (!Array.isArray(result)) scope.batchRefused();
      const codes: string[] = [];
      // A single result, or a batch: every error any of them carries reached the client.
      const results = Array.isArray(result) ? result : Symbol.asyncIterator in result ? [] : [result];
      for (const [index, single] of results.entries()) {
        const batched = Array.isArray(result) ? scope.batchedOperation(index) : undefined;
        if (batched) batched.errorCodes = (single.errors ?? []).map(codeOf);
        for (const error of single.errors ?? []) {
          codes.push(codeOf(error));
          const unexpected = unexpectedErrorDetails(error);
          if (unexpected) {
            scope.logger.error(
              { event: 'unexpected_error', path: unexpected.path, err: unexpected.cause },
              'unexpected error (masked for the client)',
            );
          }
        }
      }
      scope.errorCodes = codes;
    },
    onResponse({ request, response }) {
      const scope = scopes.get(request);
      if (!scope) return;
      // Here, first: a response another plugin puts in place of this one copies its headers.
      response.headers.set(REQUEST_ID_HEADER, scope.requestId);
    },
  };
  // Last of all plugins: the response the client gets is final only after every onResponse hook
  // (the byte bound replaces a too large answer there), and that one is what metrics and the access log tell.
  const finishPlugin: Plugin = {
    onResponse({ request, response }) {
      const scope = scopes.get(request);
      // Only an answered GraphQL request is an operation (an OPTIONS preflight, a GraphiQL page is not).
      if (!scope || scope.errorCodes === undefined) return;
      if (isTooLargeReplacement(response)) scope.answeredOnlyWith(ErrorCode.RESPONSE_TOO_LARGE);
      scope.finish(response.status, scope.errorCodes);
    },
  };
  return {
    plugin,
    finishPlugin,
    scopes: {
      scopeOf: (request, context) =>
        (context === undefined ? undefined : batchedOperationOf(request, context)) ?? scopes.get(request),
    },
  };
}

function isDocument(result: unknown): result is DocumentNode {
  return typeof result === 'object' && result !== null && (result as { kind?: unknown }).kind === 'Document';
}

function codeOf(error: GraphQLError | { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}
