import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logging/logger.js';
import { createStdoutDestination, type LogFlushOutcome } from './logging/stdout-destination.js';
import { serveMetrics, type MetricsServer } from './observability/metrics-server.js';
import { startTracing } from './observability/tracing.js';
import type { SandboxServer } from './sandbox/index.js';
import { createGracefulShutdown } from './server/graceful-shutdown.js';
import { LOG_OUTPUT, SERVER_TIMEOUTS } from './limits.js';
import { listen, onDroppedConnections } from './server/http-server.js';

/** Set once the logger exists: the exit paths give the log lines written so far a bounded time to reach stdout. */
let flushLogs: (() => Promise<LogFlushOutcome>) | undefined;

/** Exits once the log lines reached stdout, or after LOG_OUTPUT.exitFlushMs when nobody reads them. */
async function exitAfterLogs(code: number): Promise<never> {
  await flushLogs?.();
  process.exit(code);
}

/** The only entry point with side effects: config, sandbox (if needed), listen, signals. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // Never blocks on a log reader that stopped reading: lines beyond the buffer are dropped, counted here.
  const logOutput = createStdoutDestination({
    ...LOG_OUTPUT,
    onDropped: (dropped) =>
      logger.warn(
        { event: 'log_lines_dropped', dropped, maxBufferBytes: LOG_OUTPUT.maxBufferBytes },
        `stdout was not read in time: ${dropped} log lines were dropped`,
      ),
  });
  const logger = createLogger(config.logLevel, logOutput.stream);
  flushLogs = logOutput.flush;

  let sandbox: SandboxServer | undefined;
  let upstreamUrl = config.coinsApiUrl;
  if (upstreamUrl === undefined) {
    // With service credentials the sandbox checks tokens strictly, so the gateway's own token flow
    // is exercised for real; without, any bearer token works (GraphiQL's prefilled header).
    const strictTokens = config.serviceCredentials !== undefined;
    // Imported here, not at the top: a production start (COINS_API_URL set) never loads the sandbox.
    const { startSandbox } = await import('./sandbox/index.js');
    sandbox = await startSandbox({
      port: config.sandboxPort,
      host: '127.0.0.1',
      seedDocumentedExamples: true,
      strictTokens,
    });
    upstreamUrl = sandbox.url;
    logger.warn(
      { event: 'sandbox_mode', sandboxUrl: sandbox.url },
      `COINS_API_URL is not set: serving from the built-in sandbox upstream at ${sandbox.url} (in-memory fake data, ${
        strictTokens ? 'only tokens from its /oauth/token accepted' : 'any bearer token accepted'
      })`,
    );
  }

  // Loaded only when an OTLP endpoint is configured: with tracing off no SDK module is imported.
  const tracing = config.tracing ? await startTracing(config.tracing, logger) : undefined;
  const app = createApp({ config, upstreamUrl, logger, sandboxMode: sandbox !== undefined, tracing });
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== undefined) {
    metricsServer = await serveMetrics(app.observability.metrics.registry, config.metricsPort, config.host);
  }
  const listening = await listen(
    app.requestListener,
    config.port,
    config.host,
    SERVER_TIMEOUTS,
    config.maxClientConnections,
  );
  onDroppedConnections(listening.server, (dropped) =>
    logger.warn(
      { event: 'client_connections_dropped', dropped, maxClientConnections: config.maxClientConnections },
      'MAX_CLIENT_CONNECTIONS reached: new client connections were closed unread',
    ),
  );
  logger.info(
    {
      event: 'listening',
      url: listening.url,
      upstream: sandbox ? 'sandbox' : 'configured',
      upstreamCredentials: config.serviceCredentials ? 'service' : 'forwarded',
      metrics: metricsServer?.url ?? 'off',
      tracing: config.tracing ? config.tracing.protocol : 'off',
    },
    `coins-gateway ready: GraphQL${config.graphiql ? ' and GraphiQL' : ''} at ${listening.url}/graphql`,
  );

  const shutdown = createGracefulShutdown({
    server: listening.server,
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    beginShutdown: app.beginShutdown,
    release: async () => {
      // Metrics stay up until the end, so a last scrape can see the shutdown.
      await Promise.all([app.close(), sandbox?.close()]);
      await metricsServer?.close();
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // A repeated signal joins the shutdown under way (createGracefulShutdown is idempotent).
    process.on(signal, () => {
      shutdown(signal).then(
        () => exitAfterLogs(0),
        (error: unknown) => {
          logger.error({ event: 'shutdown_failed', err: error }, 'shutdown failed');
          return exitAfterLogs(1);
        },
      );
    });
  }
  process.on('unhandledRejection', (reason) => {
    logger.error({ event: 'unhandled_rejection', err: reason }, 'unhandled promise rejection');
  });
}

main().catch((error: unknown) => {
  console.error('coins-gateway failed to start:', error instanceof Error ? error.message : error);
  return exitAfterLogs(1);
});
