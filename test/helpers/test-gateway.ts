import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { serveMetrics, type MetricsServer } from '../../src/observability/metrics-server.js';
import { startTracing } from '../../src/observability/tracing.js';
import { startSandbox, type SandboxServer } from '../../src/sandbox/index.js';
import { SERVER_TIMEOUTS } from '../../src/limits.js';
import { listen, type ListeningServer } from '../../src/server/http-server.js';
import { memoryLogSink } from './memory-log.js';

export const AUTH = 'Bearer test-token-123';

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface TestGateway {
  url: string;
  config: Config;
  sandbox: SandboxServer;
  app: App;
  listening: ListeningServer;
  /** The /metrics listener, when the env sets METRICS_PORT (the helper's default is off). */
  metricsServer: MetricsServer | undefined;
  /** GET /metrics as text (fails when METRICS_PORT is off). */
  scrapeMetrics(): Promise<string>;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text, to assert that secrets never appear. */
  logText(): string;
  /** POST /graphql with the test bearer token unless `headers` overrides it (authorization: null drops it). */
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string | null>,
  ): Promise<GraphQLResponse>;
  /** The raw fetch Response of a GraphQL POST. */
  post(body: unknown, headers?: Record<string, string | null>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real gateway (config → app → HTTP server on an ephemeral loopback port) in front of a
 * real sandbox upstream, both over loopback. `env` is read like process.env would be.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: { upstreamUrl?: string; sandbox?: SandboxServer } = {},
): Promise<TestGateway> {
  const sandbox = options.sandbox ?? (await startSandbox());
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', METRICS_PORT: 'off', ...env });
  const { sink, lines: logs, text: logText } = memoryLogSink();
  // 'info' unless the test sets LOG_LEVEL (e.g. trace, to prove secrets stay out of every line).
  const logger = createLogger(env.LOG_LEVEL ? config.logLevel : 'info', sink);
  const tracing = config.tracing ? await startTracing(config.tracing, logger) : undefined;
  const app = createApp({
    config,
    upstreamUrl: options.upstreamUrl ?? sandbox.url,
    logger,
    sandboxMode: true,
    tracing,
  });
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await serveMetrics(app.observability.metrics.registry, config.metricsPort, '127.0.0.1');
  const listening = await listen(app.requestListener, 0, '127.0.0.1', SERVER_TIMEOUTS, config.maxClientConnections);
  const url = listening.url;

  async function post(body: unknown, headers: Record<string, string | null> = {}): Promise<Response> {
    const merged: Record<string, string | null> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: AUTH,
      ...headers,
    };
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(merged)) if (value !== null) sent[name] = value;
    return fetch(`${url}/graphql`, { method: 'POST', headers: sent, body: JSON.stringify(body) });
  }

  return {
    url,
    config,
    sandbox,
    app,
    listening,
    metricsServer,
    async scrapeMetrics() {
      if (!metricsServer) throw new Error('scrapeMetrics(): start the gateway with METRICS_PORT=0');
      const response = await fetch(metricsServer.url);
      if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
      return response.text();
    },
    logs,
    logText,
    post,
    async gql(query, variables, headers) {
      const response = await post({ query, variables }, headers);
      return (await response.json()) as GraphQLResponse;
    },
    async close() {
      listening.server.closeAllConnections();
      await new Promise<void>((resolve) => listening.server.close(() => resolve()));
      await app.close();
      await metricsServer?.close();
      if (!options.sandbox) await sandbox.close();
    },
  };
}

/** Requests the sandbox received, as method + path, for counting upstream calls. */
export function upstreamCalls(sandbox: SandboxServer): string[] {
  return sandbox.requests.map((request) => `${request.method} ${request.path}`);
}

/**
 * One gateway (and sandbox) for the enclosing describe block: started before its tests, closed
 * after them, and by default with the sandbox reset before each test. The returned object
 * forwards to the running gateway, so tests use it like the result of startTestGateway().
 */
export function useTestGateway(
  env: Record<string, string> = {},
  options: { resetSandboxBeforeEach?: boolean } = {},
): TestGateway {
  let running: TestGateway | undefined;
  beforeAll(async () => {
    running = await startTestGateway(env);
  });
  afterAll(async () => {
    await running?.close();
  });
  if (options.resetSandboxBeforeEach ?? true) beforeEach(() => running?.sandbox.reset());
  return new Proxy({} as TestGateway, {
    get(_target, property) {
      if (!running) throw new Error('useTestGateway(): the gateway is only there inside tests and hooks');
      const value = Reflect.get(running, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(running) : value;
    },
  });
}
