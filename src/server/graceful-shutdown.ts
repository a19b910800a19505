import type { Server } from 'node:http';
import type { Logger } from '../logging/logger.js';

export interface ShutdownSteps {
  server: Server;
  logger: Logger;
  timeoutMs: number;
  /** Runs first: flips readiness so load balancers stop sending traffic. */
  beginShutdown(): void;
  /** Runs after in-flight requests finished (or the timeout passed): close pools, the sandbox. */
  release(): Promise<void>;
}

/**
 * Stops accepting connections, lets in-flight requests finish (up to timeoutMs), then
 * releases resources. Idempotent: a second signal (npm and process managers may send two)
 * joins the shutdown already under way instead of cutting it short.
 */
export function createGracefulShutdown(steps: ShutdownSteps): (reason: string) => Promise<void> {
  let shutdown: Promise<void> | undefined;
  return (reason) => {
    if (shutdown) {
      steps.logger.info({ event: 'shutdown_signal_repeated', reason }, 'shutdown already in progress');
      return shutdown;
    }
    shutdown = run(reason);
    return shutdown;
  };

  async function run(reason: string): Promise<void> {
    const { server, logger } = steps;
    logger.info({ event: 'shutdown_started', reason, timeoutMs: steps.timeoutMs }, 'shutting down');
    steps.beginShutdown();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive sockets become idle as their responses finish: close them as they do.
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), steps.timeoutMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), timedOut]);
    clearInterval(reaper);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.warn({ event: 'shutdown_timeout' }, 'in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }
    await steps.release();
    logger.info({ event: 'shutdown_complete', outcome }, 'shutdown complete');
  }
}
