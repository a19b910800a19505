import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { UNRESTRICTED_CALLERS, type CallerAuthenticator } from './auth/caller-authenticator.js';
import type { CredentialSource } from './auth/credential-source.js';
import { createContextFactory, type GatewayContext } from './context.js';
import { createMaskError } from './errors/mask-error.js';
import { graphiqlDefaultDocument, SANDBOX_AUTHORIZATION } from './graphiql/example-operations.js';
import { renderBundledGraphiQL, useSharedGraphiQLPage } from './graphiql/graphiql-page.js';
import { MAX_REQUEST_BODY_BYTES } from './limits.js';
import type { Logger } from './logging/logger.js';
import { createYogaLogger } from './logging/yoga-logger.js';
import type { Observability } from './observability/observability.js';
import { useObservability } from './observability/use-observability.js';
import { corsOptions, useAnyOriginAsWildcard, useVaryOnOrigin, type CorsOrigins } from './plugins/cors.js';
import { useGetRequestParams } from './plugins/get-request-params.js';
import { useJsonOnlyPosts } from './plugins/json-only-posts.js';
import { operationLimitPlugins } from './plugins/operation-limits.js';
import { useOrderedExecution } from './plugins/ordered-execution.js';
import { useReadiness } from './plugins/readiness.js';
import { useRequestBodyLimit } from './plugins/request-body-limit.js';
import { useShutdownGate } from './plugins/shutdown-gate.js';
import { useUnsafeIdVariablesRefused } from './plugins/unsafe-id-variables.js';
import { useUpstreamBudget } from './plugins/upstream-budget.js';
import { useVariableIssues } from './plugins/variable-issues.js';
import { createMemoryDocumentStore } from './protocol/document-store.js';
import { useNoIntrospection } from './protocol/introspection.js';
import { useNoSuggestions } from './protocol/no-suggestions.js';
import {
  DOCUMENT_ID_PARAM,
  persistedDocumentPlugins,
  type PersistedDocumentsOptions,
} from './protocol/persisted-documents.js';
import type { CallerRateLimit } from './rate-limit/caller-rate-limit.js';
import { useCallerRateLimit } from './rate-limit/use-caller-rate-limit.js';
import { schema } from './schema/index.js';
import type { CoinsClient } from './upstream/coins-client.js';

export interface GatewayOptions {
  coins: CoinsClient;
  credentialSource: CredentialSource;
  /** Who the caller is (scopes, companies): caller JWTs in service mode. @default every caller acts as the partner (forwarding mode) */
  callerAuthenticator?: CallerAuthenticator;
  logger: Logger;
  /** Upstream calls in flight per operation when a list fans out (COINS_API_BATCH_CONCURRENCY). */
  batchConcurrency: number;
  /** More upstream calls than this, counted before an operation runs → OPERATION_TOO_COMPLEX. */
  maxUpstreamCallsPerOperation: number;
  /** Sandbox mode pre-fills GraphiQL's Authorization header with a token the sandbox accepts. */
  sandboxMode: boolean;
  /**
   * Sandbox mode with caller JWTs: the Authorization value GraphiQL is pre-filled with instead (a
   * development token minted when the shared page is built). @default SANDBOX_AUTHORIZATION
   */
  graphiqlAuthorization?: () => Promise<string>;
  /** Readiness: false while upstream calls would be refused or the server is shutting down. */
  isReady: () => boolean;
  /** Origins browsers may call from ('*' = any; [] = no cross-origin access). @default [] */
  corsOrigins?: CorsOrigins;
  /** Metrics, traces, request ids and the access log. */
  observability: Observability;
  /**
   * True once shutdown began: new requests get 503 SHUTTING_DOWN, responses close their connection.
   * @default never
   */
  isShuttingDown?: () => boolean;
  /** RATE_LIMIT_OPERATIONS per caller. @default no limit */
  callerRateLimit?: CallerRateLimit;
  /** Trusted documents and automatic persisted queries. @default off, with an in-memory APQ store */
  persistedDocuments?: PersistedDocumentsOptions;
  /** Operations per JSON-array request; 0 = batching off. @default 10 */
  batchLimit?: number;
  /** Serve GraphiQL to browsers. @default true */
  graphiql?: boolean;
  /** Answer __schema / __type. @default true */
  introspection?: boolean;
}

const GRAPHQL_ENDPOINT = '/graphql';
const HEALTH_PATH = '/health';
const READINESS_PATH = '/ready';
/** Liveness and readiness probes: never refused for shutdown, never kept waiting by admission control. */
export const PROBE_PATHS: readonly string[] = [HEALTH_PATH, READINESS_PATH];

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/**
 * Builds the GraphQL-over-HTTP handler: schema, per-request context, error masking, GraphiQL,
 * /health and /ready. It never listens; src/server does that (and tests call it in-process).
 */
export function createGateway(options: GatewayOptions): Gateway {
  const observed = useObservability(options.observability, GRAPHQL_ENDPOINT);
  const batchLimit = options.batchLimit ?? 10;
  const persisted = options.persistedDocuments ?? {
    mode: 'off',
    trusted: undefined,
    store: createMemoryDocumentStore(),
  };
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: createContextFactory({
      ...options,
      callerAuthenticator: options.callerAuthenticator ?? UNRESTRICTED_CALLERS,
      originOf: observed.scopes.scopeOf,
    }),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: HEALTH_PATH,
    landingPage: false,
    cors: corsOptions(options.corsOrigins ?? []),
    // No file uploads; and a multipart body is one a cross-site form can send (useJsonOnlyPosts).
    multipart: false,
    // Replaced by useRequestBodyLimit below: the same 413, without a stream pipeline per request.
    maxRequestBodySize: false,
    maskedErrors: { maskError: createMaskError() },
    // Served by useSharedGraphiQLPage below: built once, compressed, cacheable.
    graphiql: false,
    // A JSON array body runs as a batch (Apollo's BatchHttpLink, graphql-request's batchRequests);
    // a longer one is refused (413) before any operation runs.
    batching: batchLimit > 0 ? { limit: batchLimit } : false,
    extraParamNames: [DOCUMENT_ID_PARAM],
    logging: createYogaLogger(options.logger),
    plugins: [
      observed.plugin,
      // Right after observability (so it is counted and logged): a request that arrives during
      // shutdown is turned away before any other work.
      useShutdownGate(options.isShuttingDown ?? (() => false), PROBE_PATHS),
      ...((options.graphiql ?? true)
        ? [
            useSharedGraphiQLPage({
              endpoint: GRAPHQL_ENDPOINT,
              logger: options.logger,
              render: async () =>
                renderBundledGraphiQL({
                  title: 'coins-gateway',
                  defaultQuery: graphiqlDefaultDocument(),
                  headers: await graphiqlHeaders(options),
                  shouldPersistHeaders: false,
                }),
            }),
          ]
        : []),
      // Before useVariableIssues: its variable errors lose their suggestions too.
      ...(options.introspection === false ? [useNoIntrospection(), ...useNoSuggestions()] : []),
      useOrderedExecution(),
      useVariableIssues(),
      ...operationLimitPlugins(),
      // After the document size limit: an APQ registration over it is refused, never stored.
      ...persistedDocumentPlugins(persisted),
      useReadiness(options.isReady, READINESS_PATH),
      ...(options.callerRateLimit ? [useCallerRateLimit(options.callerRateLimit)] : []),
      useVaryOnOrigin(),
      ...(options.corsOrigins === '*' ? [useAnyOriginAsWildcard()] : []),
      useJsonOnlyPosts(),
      useGetRequestParams(),
      // Input first: an operation refused for its variables is not counted against the budget.
      useUnsafeIdVariablesRefused(),
      useUpstreamBudget(options.maxUpstreamCallsPerOperation),
      // A GraphQL request is a few KB (a 100-id list included); yoga's default would buffer 25 MB.
      // Last, so that it sees whichever request parser was chosen.
      useRequestBodyLimit(MAX_REQUEST_BODY_BYTES),
      // After every other onResponse hook: metrics and the access log tell the response sent.
      observed.finishPlugin,
    ],
  });
}

/** GraphiQL's pre-filled headers: in sandbox mode (only), an Authorization header that works there. */
async function graphiqlHeaders(options: GatewayOptions): Promise<string | undefined> {
  if (!options.sandboxMode) return undefined;
  const authorization = options.graphiqlAuthorization ? await options.graphiqlAuthorization() : SANDBOX_AUTHORIZATION;
  return JSON.stringify({ Authorization: authorization }, null, 2);
}
