import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';
import { createJwtAuthenticator, UNRESTRICTED_CALLERS } from './auth/caller-authenticator.js';
import { createJwtVerifier } from './auth/caller-jwt.js';
import { createForwardedAuthorization, createServiceTokenCredentials } from './auth/credential-source.js';
import { mintDevToken, SANDBOX_DEV_CLAIMS } from './auth/dev-token.js';
import type { Config, ServiceCredentials } from './config.js';
import { createGateway, PROBE_PATHS, type Gateway } from './gateway.js';
import { ADMISSION_CONTROL, TOKEN_RESPONSE_MAX_BYTES } from './limits.js';
import type { Logger } from './logging/logger.js';
import { createObservability, type Observability } from './observability/observability.js';
import { operationNamesOf } from './observability/operation-name-label.js';
import { createAdmissionMetrics } from './observability/admission-metrics.js';
import type { Tracing } from './observability/tracing-types.js';
import { createCallerRateLimit } from './rate-limit/caller-rate-limit.js';
import { createUpstreamRateLimit, withUpstreamRateLimit } from './rate-limit/upstream-rate-limit.js';
import { createMemoryDocumentStore } from './protocol/document-store.js';
import { createRedisStore, type RedisStore } from './shared-state/redis-store.js';
import { createSharedDocumentStore } from './shared-state/shared-document-store.js';
import { createRequestAdmission, type RequestAdmission } from './server/request-admission.js';
import { createSharedTokenState } from './shared-state/shared-service-token.js';
import { createCoinsClient } from './upstream/coins-client.js';
import { createHttpTransport, type HttpTransport } from './upstream/http-transport.js';
import { createServiceTokenManager, type ServiceTokenManager } from './upstream/oauth/service-token.js';
import { createTokenEndpoint } from './upstream/oauth/token-endpoint.js';
import { createResilience } from './upstream/resilience.js';

export interface App {
  gateway: Gateway;
  /** What the HTTP server serves: the gateway behind admission control (MAX_REQUESTS_IN_FLIGHT). */
  requestListener: RequestListener;
  /**
   * Marks the app as shutting down: /ready answers 503, new requests 503 SHUTTING_DOWN, and every
   * response closes its connection from now on.
   */
  beginShutdown(): void;
  /** Metrics registry, tracer and request scopes (main serves the registry on METRICS_PORT). */
  observability: Observability;
  /** Closes the upstream connection pools, then exports the spans still buffered. */
  close(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  /** The coins API's base URL: COINS_API_URL, or the built-in sandbox's when it is unset. */
  upstreamUrl: string;
  logger: Logger;
  /** The upstream is the built-in sandbox: GraphiQL pre-fills a credential it accepts. */
  sandboxMode: boolean;
  /** Set when an OTLP endpoint is configured. */
  tracing?: Tracing;
}

/** Wires config into the upstream client and the gateway. No listening, no signals. */
export function createApp({ config, upstreamUrl, logger, sandboxMode, tracing }: AppOptions): App {
  const resilience = createResilience({
    retries: config.coinsApiRetries,
    breakerFailures: config.breakerFailures,
    breakerCooldownMs: config.breakerCooldownMs,
    breakerFailureRate: config.breakerFailureRate,
    breakerWindowMs: config.breakerWindowMs,
  });
  const observability = createObservability({
    logger,
    tracing,
    breakerState: resilience.breakerState,
    trustedOperationNames: config.trustedDocuments && operationNamesOf(config.trustedDocuments.values()),
  });
  // Optional: without REDIS_URL every replica keeps its own state, as a single process does.
  const store = config.redisUrl
    ? createRedisStore({
        url: config.redisUrl,
        timeoutMs: config.redisTimeoutMs,
        logger,
        registry: observability.metrics.registry,
      })
    : undefined;
  const directTransport = createHttpTransport({
    baseUrl: upstreamUrl,
    maxConnections: config.maxConnections,
    maxBodyBytes: config.maxBodyBytes,
    timeoutMs: config.coinsApiTimeoutMs,
  });
  const transport =
    config.upstreamRateLimitPerSecond > 0
      ? withUpstreamRateLimit(
          directTransport,
          createUpstreamRateLimit({ perSecond: config.upstreamRateLimitPerSecond, store }),
        )
      : directTransport;
  const coins = createCoinsClient({
    transport,
    resilience,
    timeoutMs: config.coinsApiTimeoutMs,
    logger,
    observer: observability.backgroundUpstream,
    upstreamUrl,
  });
  const service = config.serviceCredentials
    ? createServiceToken(config.serviceCredentials, upstreamUrl, config.coinsApiTimeoutMs, logger, observability, store)
    : undefined;
  const { jwt, claims } = config.callerAuth;
  const callerAuthenticator = jwt
    ? createJwtAuthenticator(createJwtVerifier(jwt, claims), logger)
    : UNRESTRICTED_CALLERS;
  if (service && config.callerAuth.disabled) {
    logger.warn(
      { event: 'caller_auth_disabled' },
      'AUTH_DISABLED=true: callers are not authenticated; anyone who can reach this gateway acts as the partner',
    );
  }
  // Only against the sandbox (fake data) may GraphiQL offer a ready-made token, and only an HS256
  // secret lets the gateway mint one.
  const jwtSecret = jwt && 'secret' in jwt.key ? jwt.key.secret : undefined;
  const graphiqlAuthorization =
    sandboxMode && jwt && jwtSecret
      ? async () =>
          `Bearer ${await mintDevToken(jwtSecret, { ...SANDBOX_DEV_CLAIMS, issuer: jwt.issuer, audience: jwt.audience }, claims)}`
      : undefined;
  let shuttingDown = false;
  const gateway = createGateway({
    coins,
    credentialSource: service ? createServiceTokenCredentials(service.tokens) : createForwardedAuthorization(),
    callerAuthenticator,
    graphiqlAuthorization,
    logger,
    batchConcurrency: config.batchConcurrency,
    maxUpstreamCallsPerOperation: config.maxUpstreamCallsPerOperation,
    sandboxMode,
    corsOrigins: config.corsOrigins,
    callerRateLimit:
      config.rateLimitOperations > 0
        ? createCallerRateLimit({ operations: config.rateLimitOperations, windowMs: config.rateLimitWindowMs, store })
        : undefined,
    // Rejected service credentials stay rejected (until a restart with other credentials, or an
    // operator's oauth:clear, which a probe notices through the shared record): this replica cannot serve.
    isReady: () => {
      service?.tokens.syncSharedRejection();
      return !shuttingDown && !resilience.isRefusingCalls() && !service?.tokens.credentialsRejected;
    },
    observability,
    isShuttingDown: () => shuttingDown,
    persistedDocuments: {
      mode: config.trustedDocumentsMode,
      trusted: config.trustedDocuments,
      // Shared by every replica with REDIS_URL: a hash registered on one runs on all.
      store: store
        ? createSharedDocumentStore({ store, local: createMemoryDocumentStore() })
        : createMemoryDocumentStore(),
    },
    batchLimit: config.batchLimit,
    graphiql: config.graphiql,
    introspection: config.introspection,
  });
  const admission = admitRequests(gateway, config.maxRequestsInFlight, observability.metrics.registry);
  return {
    gateway,
    requestListener: admission?.listener ?? gateway,
    beginShutdown: () => {
      shuttingDown = true;
    },
    observability,
    close: async () => {
      admission?.close();
      await Promise.all([transport.close(), service?.transport.close(), store?.close()]);
      await observability.shutdown();
    },
  };
}

function createServiceToken(
  credentials: ServiceCredentials,
  upstreamUrl: string,
  timeoutMs: number,
  logger: Logger,
  observability: Observability,
  store: RedisStore | undefined,
): { tokens: ServiceTokenManager; transport: HttpTransport } {
  const tokenUrl = new URL(credentials.tokenUrl ?? `${upstreamUrl}/oauth/token`);
  // Its own small pool: token requests are rare and must not queue behind coins calls.
  const transport = createHttpTransport({
    baseUrl: tokenUrl.origin,
    maxConnections: 2,
    maxBodyBytes: TOKEN_RESPONSE_MAX_BYTES,
    timeoutMs,
  });
  const endpoint = createTokenEndpoint({
    transport,
    path: tokenUrl.pathname,
    credentials,
    timeoutMs,
    observer: observability.backgroundUpstream,
    onTokenRequest: observability.countTokenRequest,
  });
  // A token request, plus one password grant after a refused refresh, fit within the lock's lifetime.
  const shared = store ? createSharedTokenState({ store, credentials, lockTtlMs: 2 * timeoutMs + 1_000 }) : undefined;
  const tokens = createServiceTokenManager({ endpoint, logger, shared });
  // A rejection recorded by another replica (or an earlier run) makes /ready 503 from the start.
  tokens.syncSharedRejection();
  return { tokens, transport };
}

/**
 * Admission control in front of the gateway (0 = none). Health and readiness probes bypass it:
 * an orchestrator must get its answer however many requests wait.
 */
function admitRequests(
  gateway: Gateway,
  maxRequestsInFlight: number,
  registry: Registry,
): RequestAdmission | undefined {
  if (maxRequestsInFlight === 0) return undefined;
  const metrics = createAdmissionMetrics(registry);
  const admission = createRequestAdmission(gateway, {
    limits: { ...ADMISSION_CONTROL, max: maxRequestsInFlight },
    bypass: (request) => PROBE_PATHS.includes(pathOf(request.url ?? '')),
    onWaited: metrics.observeWait,
  });
  metrics.track(admission);
  return admission;
}

/** The path of a request target, without its query (no allocation when there is none: every request passes here). */
function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
