import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  diag,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logging/logger.js';
import type { AttemptResult, UpstreamAttempt } from '../upstream/upstream-observer.js';
import type { BatchedOperationSpan, OperationSpan, Tracing, TracingConfig, UpstreamSpan } from './tracing-types.js';

/**
 * Tracing with the OpenTelemetry SDK, loaded only when tracing is configured (see ./tracing.ts).
 * Parents are passed explicitly (operation span → upstream attempt spans; for a batch, request
 * span → one span per operation → its upstream attempt spans), not through a
 * context manager: no AsyncLocalStorage on the request path, and a span can never be attached
 * to the wrong request. The provider is not registered globally for the same reason.
 *
 * Standard variables read by the SDK itself: OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, _TIMEOUT,
 * _COMPRESSION, _CERTIFICATE..., OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_SPAN_*_LIMIT. The URL, protocol and service name come from src/config.ts.
 */
export async function createOtelTracing(config: TracingConfig, logger: Logger): Promise<Tracing> {
  const diagnostics = logger.child({ component: 'opentelemetry' });
  // An unreachable collector or a full span queue is reported by the SDK on every export (many a
  // second under load): one line per DIAGNOSTIC_INTERVAL_MS, with the count of those left out.
  let lastDiagnosticAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  const report = (message: string) => {
    const now = performance.now();
    if (now - lastDiagnosticAt < DIAGNOSTIC_INTERVAL_MS) {
      suppressed += 1;
      return;
    }
    diagnostics.warn({ event: 'tracing_diagnostic', suppressedSinceLast: suppressed }, message);
    lastDiagnosticAt = now;
    suppressed = 0;
  };
  diag.setLogger(
    {
      error: report,
      warn: report,
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const exporter = await createExporter(config);
  const provider = new BasicTracerProvider({
    // Lowest to highest precedence: SDK defaults, OTEL_RESOURCE_ATTRIBUTES, our service name
    // (OTEL_SERVICE_NAME, or coins-gateway).
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ 'service.name': config.serviceName })),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('coins-gateway');
  const propagator = new W3CTraceContextPropagator();

  function startUpstream(attempt: UpstreamAttempt, parentContext: Context = ROOT_CONTEXT): UpstreamSpan {
    const attributes: Attributes = {
      'http.request.method': attempt.method,
      'http.route': attempt.route,
      'url.template': attempt.route,
      'coins_gateway.upstream.endpoint': attempt.endpoint,
    };
    if (attempt.attempt > 1) attributes['http.request.resend_count'] = attempt.attempt - 1;
    const span = tracer.startSpan(
      `${attempt.method} ${attempt.route}`,
      { kind: SpanKind.CLIENT, attributes },
      parentContext,
    );
    const propagationHeaders: Record<string, string> = {};
    propagator.inject(trace.setSpan(parentContext, span), propagationHeaders, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
    return {
      propagationHeaders,
      end(result: AttemptResult) {
        if (result.status !== undefined) span.setAttribute('http.response.status_code', result.status);
        if (result.responseCode !== undefined) span.setAttribute('enkash.response_code', result.responseCode);
        if (result.outcome !== 'success') {
          span.setAttribute('error.type', result.outcome);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  return {
    startOperation(request) {
      const callerContext = propagator.extract(ROOT_CONTEXT, request.headers, HEADERS_GETTER);
      const span = tracer.startSpan(
        `${request.method} /graphql`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': '/graphql' } },
        callerContext,
      );
      return new OtelOperationSpan(tracer, span, trace.setSpan(callerContext, span), startUpstream);
    },
    startUpstream: (attempt) => startUpstream(attempt),
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** A span that upstream attempts are children of: a request's, or one batch entry's. */
class OtelBatchedOperationSpan implements BatchedOperationSpan {
  constructor(
    protected readonly span: Span,
    /** The context whose active span is this one: the parent of its upstream attempts. */
    protected readonly context: Context,
    protected readonly startChild: (attempt: UpstreamAttempt, parent: Context) => UpstreamSpan,
  ) {}

  nameOperation(operationType: string, operationName: string | undefined): void {
    nameSpan(this.span, operationType, operationName);
  }

  startUpstream(attempt: UpstreamAttempt): UpstreamSpan {
    return this.startChild(attempt, this.context);
  }

  end(result: { errorCodes: readonly string[]; requestId: string }): void {
    endWithOutcome(this.span, result);
  }
}

/** The SERVER span of one GraphQL request; a batched request's entries get spans of their own under it. */
class OtelOperationSpan extends OtelBatchedOperationSpan implements OperationSpan {
  constructor(
    private readonly tracer: Tracer,
    span: Span,
    context: Context,
    startChild: (attempt: UpstreamAttempt, parent: Context) => UpstreamSpan,
  ) {
    super(span, context, startChild);
  }

  startBatchedOperation(batchIndex: number): BatchedOperationSpan {
    // Named `unknown` (the access log's operationType) until its document is parsed; one that
    // never parses keeps that name.
    const span = this.tracer.startSpan(
      'unknown',
      { kind: SpanKind.INTERNAL, attributes: { 'coins_gateway.batch_index': batchIndex } },
      this.context,
    );
    return new OtelBatchedOperationSpan(span, trace.setSpan(this.context, span), this.startChild);
  }

  override end(result: { httpStatus: number; errorCodes: readonly string[]; requestId: string }): void {
    this.span.setAttribute('http.response.status_code', result.httpStatus);
    super.end(result);
  }
}

/** `<type> <name>`, or just `<type>` for an anonymous operation, with the graphql.operation.* attributes. */
function nameSpan(span: Span, operationType: string, operationName: string | undefined): void {
  span.updateName(operationName ? `${operationType} ${operationName}` : operationType);
  span.setAttribute('graphql.operation.type', operationType);
  if (operationName) span.setAttribute('graphql.operation.name', operationName);
}

function endWithOutcome(span: Span, result: { errorCodes: readonly string[]; requestId: string }): void {
  span.setAttribute('coins_gateway.request_id', result.requestId);
  if (result.errorCodes.length > 0) {
    span.setAttribute('coins_gateway.error_codes', [...result.errorCodes]);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

const DIAGNOSTIC_INTERVAL_MS = 10_000;

const HEADERS_GETTER: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** Only the configured protocol's exporter is loaded (the protobuf one brings protobufjs). */
async function createExporter(config: TracingConfig): Promise<SpanExporter> {
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: config.url });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: config.url });
}
