import type { Logger } from '../logging/logger.js';
import type { Tracing, TracingConfig } from './tracing-types.js';

/**
 * Tracing is optional: the OpenTelemetry SDK behind it (./otel-tracing.ts) is imported only when
 * tracing is configured, so with tracing off no part of the SDK is loaded and the request path
 * only tests one `undefined`.
 *
 * Loads the OpenTelemetry SDK and starts exporting; call only when tracing is configured.
 */
export async function startTracing(config: TracingConfig, logger: Logger): Promise<Tracing> {
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(config, logger);
}
