import { createForwardedAuthorization } from '../../src/auth/credential-source.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import type { Logger } from '../../src/logging/logger.js';
import { createObservability } from '../../src/observability/observability.js';
import type { CoinsClient } from '../../src/upstream/coins-client.js';
import type { BreakerState } from '../../src/upstream/upstream-observer.js';

/**
 * The gateway in forwarding mode around a given coins client, with the configuration's defaults
 * and no server: for a test or a benchmark that needs the real yoga instance over a fake or
 * instrumented client.
 */
export function createForwardingGateway(
  coins: CoinsClient,
  logger: Logger,
  breakerState: () => BreakerState = () => 'closed',
): Gateway {
  return createGateway({
    coins,
    credentialSource: createForwardedAuthorization(),
    logger,
    batchConcurrency: 8,
    maxUpstreamCallsPerOperation: 200,
    sandboxMode: false,
    isReady: () => true,
    observability: createObservability({ logger, breakerState }),
  });
}
