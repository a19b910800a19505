import { createForwardedAuthorization } from './auth/credential-source.js';
import type { Config } from './config.js';
import { createGateway, type Gateway } from './gateway.js';
import type { Logger } from './logging/logger.js';
import { createCoinsClient } from './upstream/coins-client.js';
import { createHttpTransport } from './upstream/http-transport.js';
import { createResilience } from './upstream/resilience.js';

export interface App {
  gateway: Gateway;
  /** Marks the app as shutting down: /ready answers 503 from now on. */
  beginShutdown(): void;
  /** Closes the upstream connection pool. */
  close(): Promise<void>;
}

/** Wires config into the upstream client and the gateway. No listening, no signals. */
export function createApp(config: Config, upstreamUrl: string, logger: Logger, sandboxMode: boolean): App {
  const transport = createHttpTransport({
    baseUrl: upstreamUrl,
    maxConnections: config.maxConnections,
    maxBodyBytes: config.maxBodyBytes,
    timeoutMs: config.coinsApiTimeoutMs,
  });
  const resilience = createResilience({
    retries: config.coinsApiRetries,
    breakerFailures: config.breakerFailures,
    breakerCooldownMs: config.breakerCooldownMs,
  });
  const coins = createCoinsClient({ transport, resilience, timeoutMs: config.coinsApiTimeoutMs, logger });
  let shuttingDown = false;
  const gateway = createGateway({
    coins,
    credentialSource: createForwardedAuthorization(),
    logger,
    batchConcurrency: config.batchConcurrency,
    sandboxMode,
    isReady: () => !shuttingDown && !resilience.isRefusingCalls(),
    corsOrigins: config.corsOrigins,
  });
  return {
    gateway,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: () => transport.close(),
  };
}
