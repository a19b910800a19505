import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ErrorCode } from '../errors/error-codes.js';
import type { AttemptResult, BreakerState, UpstreamAttempt } from '../upstream/upstream-observer.js';

/**
 * The gateway's Prometheus metrics (names and labels are a public contract: README "Operating
 * it"). Each app has its own registry, not prom-client's global one, so that several gateways in
 * one process (the tests) never share or collide on a metric.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** One finished GraphQL operation; `operationName` must already be a bounded label. */
  observeOperation(operation: OperationSample): void;
  /** One upstream attempt (retries are attempts too). */
  observeUpstreamAttempt(attempt: UpstreamAttempt, result: AttemptResult, durationSeconds: number): void;
  /** One request to the token endpoint, by grant type (`client_credentials`, `refresh_token`). */
  countTokenRequest(grant: string, outcome: string): void;
}

export interface OperationSample {
  /** `query`, `mutation`, `subscription`, or `unknown` when no operation could be determined. */
  operationType: string;
  operationName: string;
  durationSeconds: number;
  /** The `extensions.code` of every error the client received (empty on success). */
  errorCodes: readonly string[];
}

export interface GatewayMetricsOptions {
  /** Read at every scrape, so the gauge is right even when no call moved the breaker. */
  breakerState: () => BreakerState;
}

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };
/** A code outside the closed list would be a bug; it still must not become a free-form label. */
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
const UNLISTED_CODE = 'OTHER';

export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Every metric lives in this app's registry; a label name outside `labelNames` is a type error.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Histogram<L>({ name, help, labelNames, registers: [registry] });

  const operations = counter(
    'coins_gateway_operations_total',
    'GraphQL operations answered, by type, name and outcome (error: at least one error in the response)',
    ['operation_type', 'operation_name', 'outcome'],
  );
  const operationDuration = histogram(
    'coins_gateway_operation_duration_seconds',
    'Time from receiving a GraphQL request to its response, by operation type and name',
    ['operation_type', 'operation_name'],
  );
  const errors = counter('coins_gateway_errors_total', 'Errors returned to clients, by extensions.code', ['code']);
  const upstreamRequests = counter(
    'coins_gateway_upstream_requests_total',
    'Upstream HTTP attempts (retries included), by endpoint, method, HTTP status (none: no answer) and outcome',
    ['endpoint', 'method', 'status', 'outcome'],
  );
  const upstreamDuration = histogram(
    'coins_gateway_upstream_request_duration_seconds',
    'Duration of one upstream HTTP attempt, by endpoint and outcome',
    ['endpoint', 'outcome'],
  );
  const upstreamRetries = counter(
    'coins_gateway_upstream_retries_total',
    'Upstream attempts that were retries of an earlier failed attempt, by endpoint',
    ['endpoint'],
  );
  new Gauge({
    name: 'coins_gateway_circuit_breaker_state',
    help: 'State of the upstream circuit breaker: 0 closed, 1 open, 2 half-open',
    registers: [registry],
    collect() {
      this.set(BREAKER_STATE_VALUE[options.breakerState()]);
    },
  });
  const tokenRequests = counter(
    'coins_gateway_oauth_token_requests_total',
    'Requests to the OAuth token endpoint, by grant type and outcome',
    ['grant', 'outcome'],
  );

  return {
    registry,
    observeOperation(sample) {
      const labels = { operation_type: sample.operationType, operation_name: sample.operationName };
      operations.inc({ ...labels, outcome: sample.errorCodes.length === 0 ? 'success' : 'error' });
      operationDuration.observe(labels, sample.durationSeconds);
      for (const code of sample.errorCodes) errors.inc({ code: KNOWN_CODES.has(code) ? code : UNLISTED_CODE });
    },
    observeUpstreamAttempt(attempt, result, durationSeconds) {
      upstreamRequests.inc({
        endpoint: attempt.endpoint,
        method: attempt.method,
        status: result.status === undefined ? 'none' : String(result.status),
        outcome: result.outcome,
      });
      upstreamDuration.observe({ endpoint: attempt.endpoint, outcome: result.outcome }, durationSeconds);
      if (attempt.attempt > 1) upstreamRetries.inc({ endpoint: attempt.endpoint });
    },
    countTokenRequest(grant, outcome) {
      tokenRequests.inc({ grant, outcome });
    },
  };
}
