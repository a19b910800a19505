import type { AttemptResult, UpstreamAttempt } from '../upstream/upstream-observer.js';

/**
 * The gateway's view of tracing: spans for GraphQL operations and upstream attempts. Its own
 * module, so that the OpenTelemetry implementation and the loader in ./tracing.ts both depend on
 * it and not on each other.
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
  /**
   * A batched request (a JSON array) stays one span, `POST /graphql`, for the one HTTP request;
   * each of its operations gets a child span of its own, started here, with its upstream attempts
   * under it.
   */
  startBatchedOperation(batchIndex: number): BatchedOperationSpan;
  end(result: { httpStatus: number; errorCodes: readonly string[]; requestId: string }): void;
}

/** The span of one operation of a batched request, a child of the request's span. */
export interface BatchedOperationSpan {
  /** Known once the operation's document is parsed: names the span `<type> <name>`. */
  nameOperation(operationType: string, operationName: string | undefined): void;
  /** A child span for one upstream attempt made for this operation. */
  startUpstream(attempt: UpstreamAttempt): UpstreamSpan;
  /** `errorCodes`: the `extensions.code` of every error of this operation's result. */
  end(result: { errorCodes: readonly string[]; requestId: string }): void;
}

export interface UpstreamSpan {
  /** Headers that carry this span upstream (`traceparent`, and `tracestate` when there is one). */
  readonly propagationHeaders: Readonly<Record<string, string>>;
  end(result: AttemptResult): void;
}

export interface TracingConfig {
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL. @default 'http/protobuf' */
  protocol: 'http/protobuf' | 'http/json';
  /** The spans' `service.name` (OTEL_SERVICE_NAME). @default 'coins-gateway' */
  serviceName: string;
}
