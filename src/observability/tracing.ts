import type { Logger } from '../logging/logger.js';
import type { AttemptResult, UpstreamAttempt } from '../upstream/upstream-observer.js';

/**
 * The gateway's view of tracing: spans for GraphQL operations and upstream attempts. The
 * OpenTelemetry SDK behind it (./otel-tracing.ts) is imported only when tracing is configured, so
 * with tracing off no part of the SDK is loaded and the request path only tests one `undefined`.
 */
export interface Tracing {
  /** Starts the span of one GraphQL request, continuing the caller's W3C `traceparent`. */
  startOperation(request: { method: string; headers: Headers }): OperationSpan;
  /** A span for an upstream attempt outside any GraphQL request (a token renewal in the background). */
  startUpstream(attempt: UpstreamAttempt): UpstreamSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface OperationSpan {
  /** Known once the document is parsed: renames the span `<type> <name>`. */
  nameOperation(operationType: string, operationName: string | undefined): void;
  /** A child span for one upstream attempt made for this operation. */
  startUpstream(attempt: UpstreamAttempt): UpstreamSpan;
  end(result: { httpStatus: number; errorCodes: readonly string[]; requestId: string }): void;
}

export interface UpstreamSpan {
  /** Headers that carry this span upstream (`traceparent`, and `tracestate` when there is one). */
  readonly propagationHeaders: Readonly<Record<string, string>>;
  end(result: AttemptResult): void;
}

export interface TracingConfig {
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

/** Loads the OpenTelemetry SDK and starts exporting; call only when tracing is configured. */
export async function startTracing(config: TracingConfig, logger: Logger): Promise<Tracing> {
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(config, logger);
}
