import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { CredentialSource } from './auth/credential-source.js';
import { createContextFactory, type GatewayContext } from './context.js';
import { createMaskError } from './errors/mask-error.js';
import { GRAPHIQL_DEFAULT_DOCUMENT, SANDBOX_AUTHORIZATION } from './graphiql/example-operations.js';
import type { Logger } from './logging/logger.js';
import { operationLimitPlugins } from './operation-limits.js';
import { schema } from './schema/index.js';
import type { CoinsClient } from './upstream/coins-client.js';

export interface GatewayOptions {
  coins: CoinsClient;
  credentialSource: CredentialSource;
  logger: Logger;
  /** Upstream calls in flight per operation when a list fans out. @default 8 */
  batchConcurrency: number;
  /** Sandbox mode pre-fills GraphiQL's Authorization header with a token the sandbox accepts. */
  sandboxMode: boolean;
  /** Readiness: false while upstream calls would be refused or the server is shutting down. */
  isReady: () => boolean;
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/**
 * Builds the GraphQL-over-HTTP handler: schema, per-request context, error masking, GraphiQL,
 * /health and /ready. It never listens; src/server does that (and tests call it in-process).
 */
export function createGateway(options: GatewayOptions): Gateway {
  const yogaLogger = options.logger.child({ component: 'yoga' });
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: createContextFactory(options),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    maskedErrors: { maskError: createMaskError(options.logger) },
    renderGraphiQL,
    graphiql: {
      title: 'coins-gateway',
      defaultQuery: GRAPHIQL_DEFAULT_DOCUMENT,
      headers: options.sandboxMode ? JSON.stringify({ Authorization: SANDBOX_AUTHORIZATION }, null, 2) : undefined,
      shouldPersistHeaders: false,
    },
    logging: {
      debug: (...args) => yogaLogger.debug(args.map(String).join(' ')),
      info: (...args) => yogaLogger.info(args.map(String).join(' ')),
      warn: (...args) => yogaLogger.warn(args.map(String).join(' ')),
      error: (...args) => yogaLogger.error(args.map(String).join(' ')),
    },
    plugins: [
      ...operationLimitPlugins(),
      useReadinessCheck({
        endpoint: '/ready',
        check: () => options.isReady(),
      }),
    ],
  });
}
