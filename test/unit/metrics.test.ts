import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/observability/metrics.js';
import type { BreakerState } from '../../src/upstream/upstream-observer.js';
import { parsePrometheusText, samplesOf, sampleValue } from '../helpers/prometheus-text.js';

async function scrape(metrics: ReturnType<typeof createGatewayMetrics>) {
  return parsePrometheusText(await metrics.registry.metrics());
}

describe('gateway metrics', () => {
  it('each instance has its own registry', async () => {
    const one = createGatewayMetrics({ breakerState: () => 'closed' });
    const two = createGatewayMetrics({ breakerState: () => 'closed' });
    one.countTokenRequest('client_credentials', 'success');
    expect(samplesOf(await scrape(one), 'coins_gateway_oauth_token_requests_total')).toEqual([
      { grant: 'client_credentials', outcome: 'success', value: 1 },
    ]);
    expect(samplesOf(await scrape(two), 'coins_gateway_oauth_token_requests_total')).toEqual([]);
  });

  it('reads the breaker state at each scrape: 0 closed, 1 open, 2 half-open', async () => {
    let state: BreakerState = 'closed';
    const metrics = createGatewayMetrics({ breakerState: () => state });
    const values: Array<number | undefined> = [];
    for (const next of ['closed', 'open', 'half-open', 'closed'] as const) {
      state = next;
      values.push(sampleValue(await scrape(metrics), 'coins_gateway_circuit_breaker_state'));
    }
    expect(values).toEqual([0, 1, 2, 0]);
  });

  it('an attempt without an answer has status none; a retry counts in retries_total', async () => {
    const metrics = createGatewayMetrics({ breakerState: () => 'closed' });
    const attempt = { endpoint: 'get-balance', method: 'GET', route: '/api/v0/coins/balance' } as const;
    metrics.observeUpstreamAttempt({ ...attempt, attempt: 1 }, { status: undefined, outcome: 'timeout' }, 0.2);
    metrics.observeUpstreamAttempt({ ...attempt, attempt: 2 }, { status: 200, outcome: 'success' }, 0.01);
    const samples = await scrape(metrics);
    expect(samplesOf(samples, 'coins_gateway_upstream_requests_total')).toEqual([
      { endpoint: 'get-balance', method: 'GET', status: '200', outcome: 'success', value: 1 },
      { endpoint: 'get-balance', method: 'GET', status: 'none', outcome: 'timeout', value: 1 },
    ]);
    expect(samplesOf(samples, 'coins_gateway_upstream_retries_total')).toEqual([{ endpoint: 'get-balance', value: 1 }]);
    expect(
      sampleValue(samples, 'coins_gateway_upstream_request_duration_seconds_sum', {
        endpoint: 'get-balance',
        outcome: 'timeout',
      }),
    ).toBe(0.2);
  });

  it('an error code outside the closed list never becomes a free-form label', async () => {
    const metrics = createGatewayMetrics({ breakerState: () => 'closed' });
    metrics.observeOperation({
      operationType: 'query',
      operationName: 'Q',
      durationSeconds: 0.1,
      errorCodes: ['MADE_UP', 'BAD_USER_INPUT'],
    });
    expect(samplesOf(await scrape(metrics), 'coins_gateway_errors_total')).toEqual([
      { code: 'BAD_USER_INPUT', value: 1 },
      { code: 'OTHER', value: 1 },
    ]);
  });
});
