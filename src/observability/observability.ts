import { fixedShapeLogger, type Logger } from '../logging/logger.js';
import type {
  AttemptObservation,
  AttemptResult,
  BreakerState,
  CallOrigin,
  UpstreamAttempt,
  UpstreamObserver,
} from '../upstream/upstream-observer.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { createOperationNameLabels, type OperationNameLabels } from './operation-name-label.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import type { BatchedOperationSpan, OperationSpan, Tracing, UpstreamSpan } from './tracing-types.js';

/**
 * Everything an operator sees of the gateway, in one object per app: the metrics registry, the
 * tracer (when configured), and the per-request scopes that tie both and the log together.
 */
export interface Observability {
  readonly metrics: GatewayMetrics;
  readonly tracing: Tracing | undefined;
  /** Bounded `operation_name` labels. */
  readonly operationNames: OperationNameLabels;
  readonly logger: Logger;
  /** The access log: one line per operation, built field by field here. */
  readonly accessLog: Logger;
  /** Observer for upstream calls that serve no GraphQL request (e.g. a token renewal in the background). */
  readonly backgroundUpstream: UpstreamObserver;
  /** The scope of one GraphQL request: created when it arrives, finished when it is answered. */
  openRequest(requestId: string, request: { method: string; headers: Headers }): RequestScope;
  /** One request to the OAuth token endpoint (for the service-credentials token manager). */
  countTokenRequest(grant: string, outcome: string): void;
  /** Exports buffered spans and stops tracing. */
  shutdown(): Promise<void>;
}

export interface ObservabilityOptions {
  logger: Logger;
  tracing?: Tracing;
  breakerState: () => BreakerState;
  /** The trusted documents' operation names: the only `operation_name` labels when given. */
  trustedOperationNames?: ReadonlySet<string>;
}

export function createObservability(options: ObservabilityOptions): Observability {
  const metrics = createGatewayMetrics({ breakerState: options.breakerState });
  const tracing = options.tracing;
  const observability: Observability = {
    metrics,
    tracing,
    operationNames: createOperationNameLabels({ allowed: options.trustedOperationNames }),
    logger: options.logger,
    accessLog: fixedShapeLogger(options.logger),
    backgroundUpstream: {
      attemptStarted: (attempt) => new ObservedAttempt(metrics, attempt, tracing?.startUpstream(attempt), NO_HEADERS),
    },
    openRequest: (requestId, request) => new RequestScope(observability, requestId, tracing?.startOperation(request)),
    countTokenRequest: (grant, outcome) => metrics.countTokenRequest(grant, outcome),
    shutdown: async () => {
      await tracing?.shutdown();
    },
  };
  return observability;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Where an attempt is tallied for the access log: the request, or one operation of a batch. */
interface AttemptTally {
  countAttempt(attempt: UpstreamAttempt, result: AttemptResult): void;
}

/** One upstream attempt being observed: a class, not closures, as every upstream attempt makes one. */
class ObservedAttempt implements AttemptObservation {
  readonly #started = performance.now();
  /** The request's headers (its id), and the span's trace context when tracing. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly attempt: UpstreamAttempt,
    private readonly span: UpstreamSpan | undefined,
    headers: Readonly<Record<string, string>>,
    /** The request (or batched operation) the attempt serves, which tallies its attempts for the access log. */
    private readonly scope?: AttemptTally,
  ) {
    this.headers = span ? { ...headers, ...span.propagationHeaders } : headers;
  }

  end(result: AttemptResult): void {
    this.metrics.observeUpstreamAttempt(this.attempt, result, (performance.now() - this.#started) / 1000);
    this.scope?.countAttempt(this.attempt, result);
    this.span?.end(result);
  }
}

/** What one GraphQL request did, for its access log line, its metrics and its span. */
export class RequestScope implements CallOrigin {
  readonly startedAt = performance.now();
  /** `query`, `mutation`, `subscription`; `unknown` until (or unless) the document names one. */
  operationType = 'unknown';
  operationName: string | undefined;
  /** Upstream attempts by `<endpoint> <status|none> <outcome>`: bounded, and never ids. */
  readonly upstreamAttempts: Record<string, number> = {};
  upstreamAttemptCount = 0;
  /** The `extensions.code` of every error the client receives; set once the result is processed. */
  errorCodes: readonly string[] | undefined;
  #logger: Logger | undefined;
  readonly #idHeader: Readonly<Record<string, string>>;
  /** A JSON-array request: each of its operations is counted and logged on its own. */
  #batch: BatchedOperation[] | undefined;

  constructor(
    private readonly observability: Observability,
    readonly requestId: string,
    readonly span: OperationSpan | undefined,
  ) {
    this.#idHeader = { [REQUEST_ID_HEADER]: requestId };
  }

  /** This request's log: every line carries its requestId. Created on first use. */
  get logger(): Logger {
    this.#logger ??= this.observability.logger.child({ requestId: this.requestId });
    return this.#logger;
  }

  /** The request is a batch of `size` operations (its span stays one, for the HTTP request). */
  startBatch(size: number): void {
    this.#batch = Array.from({ length: size }, () => new BatchedOperation(this));
  }

  /** The client got only this error, once per operation (RESPONSE_TOO_LARGE replaced the answer). */
  answeredOnlyWith(code: string): void {
    if (this.#batch === undefined) {
      this.errorCodes = [code];
      return;
    }
    for (const operation of this.#batch) operation.errorCodes = [code];
    this.errorCodes = this.#batch.map(() => code);
  }

  /**
   * The batch was refused whole, before any of its operations ran (over GRAPHQL_BATCH_LIMIT: yoga
   * checks after the array is parsed): the client got one error, so the request is recorded as
   * one operation with it, not as one successful `unknown` operation per entry. No-op for a
   * request that is not a batch.
   */
  batchRefused(): void {
    this.#batch = undefined;
  }

  /** Operation `index` of a batch; undefined when the request is not a batch. */
  batchedOperation(index: number): BatchedOperation | undefined {
    return this.#batch?.[index];
  }

  /**
   * Operation `index` of a batch starts (yoga accepted the batch): when tracing, it gets its own
   * span under the request's. Not at startBatch: yoga checks GRAPHQL_BATCH_LIMIT after that, and a
   * refused batch must not leave a span per entry.
   */
  batchedOperationStarted(index: number): void {
    const operation = this.#batch?.[index];
    if (operation && this.span) operation.span = this.span.startBatchedOperation(index);
  }

  nameOperation(operationType: string, operationName: string | undefined): void {
    this.operationType = operationType;
    this.operationName = operationName;
    this.span?.nameOperation(operationType, operationName);
  }

  attemptStarted(
    attempt: UpstreamAttempt,
    tally: AttemptTally = this,
    parentSpan: OperationSpan | BatchedOperationSpan | undefined = this.span,
  ): AttemptObservation {
    return new ObservedAttempt(
      this.observability.metrics,
      attempt,
      parentSpan?.startUpstream(attempt),
      this.#idHeader,
      tally,
    );
  }

  /** One attempt of this request ended: tallied for its access log line. */
  countAttempt(attempt: UpstreamAttempt, result: AttemptResult): void {
    const key = `${attempt.endpoint} ${result.status ?? 'none'} ${result.outcome}`;
    this.upstreamAttempts[key] = (this.upstreamAttempts[key] ?? 0) + 1;
    this.upstreamAttemptCount += 1;
  }

  /**
   * Records the answered request: metrics and the access log line of its operation (of each of
   * its operations, for a batch: the request's duration, each one's own outcome and upstream
   * calls), and the end of its span.
   */
  finish(httpStatus: number, errorCodes: readonly string[]): void {
    const durationSeconds = (performance.now() - this.startedAt) / 1000;
    if (this.#batch === undefined) {
      this.#record(this, errorCodes, durationSeconds, httpStatus);
    } else {
      this.#batch.forEach((operation, batchIndex) => {
        const operationErrorCodes = operation.errorCodes ?? [];
        this.#record(operation, operationErrorCodes, durationSeconds, httpStatus, batchIndex);
        operation.span?.end({ errorCodes: operationErrorCodes, requestId: this.requestId });
      });
    }
    this.span?.end({ httpStatus, errorCodes, requestId: this.requestId });
  }

  #record(
    operation: RecordedOperation,
    errorCodes: readonly string[],
    durationSeconds: number,
    httpStatus: number,
    batchIndex?: number,
  ): void {
    const { metrics, operationNames } = this.observability;
    metrics.observeOperation({
      operationType: operation.operationType,
      operationName: operationNames.labelFor(operation.operationName),
      durationSeconds,
      errorCodes,
    });
    // The access log: never variables, tokens or user ids (upstream paths carry ids: not logged).
    this.observability.accessLog.info(
      {
        event: 'operation',
        requestId: this.requestId,
        ...(batchIndex === undefined ? {} : { batchIndex }),
        operationType: operation.operationType,
        operationName: operation.operationName?.slice(0, 128) ?? null,
        durationMs: Math.round(durationSeconds * 1e4) / 10,
        outcome: errorCodes.length === 0 ? 'success' : 'error',
        errorCodes,
        httpStatus,
        upstreamAttempts: operation.upstreamAttemptCount,
        upstream: operation.upstreamAttempts,
      },
      'operation',
    );
  }
}

/** What the access log line and the operation metrics of one operation are made of. */
interface RecordedOperation {
  readonly operationType: string;
  readonly operationName: string | undefined;
  readonly upstreamAttemptCount: number;
  readonly upstreamAttempts: Record<string, number>;
}

/**
 * One operation of a batched request: its own name, outcome, upstream calls and span (a child of
 * the request's), under the request's id and log.
 */
export class BatchedOperation implements CallOrigin, AttemptTally, RecordedOperation {
  operationType = 'unknown';
  operationName: string | undefined;
  readonly upstreamAttempts: Record<string, number> = {};
  upstreamAttemptCount = 0;
  /** The `extensions.code` of every error of this operation's result. */
  errorCodes: readonly string[] | undefined;
  /** Its span, when tracing, once yoga runs it (RequestScope.batchedOperationStarted). */
  span: BatchedOperationSpan | undefined;

  constructor(private readonly request: RequestScope) {}

  get logger(): Logger {
    return this.request.logger;
  }

  /** Names its own span, not the request's: that stays `POST /graphql`, the one HTTP request of the batch. */
  nameOperation(operationType: string, operationName: string | undefined): void {
    this.operationType = operationType;
    this.operationName = operationName;
    this.span?.nameOperation(operationType, operationName);
  }

  attemptStarted(attempt: UpstreamAttempt): AttemptObservation {
    return this.request.attemptStarted(attempt, this, this.span);
  }

  countAttempt(attempt: UpstreamAttempt, result: AttemptResult): void {
    const key = `${attempt.endpoint} ${result.status ?? 'none'} ${result.outcome}`;
    this.upstreamAttempts[key] = (this.upstreamAttempts[key] ?? 0) + 1;
    this.upstreamAttemptCount += 1;
  }
}
