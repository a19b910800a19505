import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpCollector, type OtlpCollector } from '../helpers/otlp-collector.js';
import { parsePrometheusText, samplesOf } from '../helpers/prometheus-text.js';
import { closeServiceMode, startServiceMode } from '../helpers/service-credentials-setup.js';
import type { TestGateway } from '../helpers/test-gateway.js';

// With service credentials, token requests are counted by grant and outcome,
// appear as `oauth-token` upstream attempts, and get their own span.

const BALANCE = 'query Balance($userId: ID!) { coinBalance(userId: $userId) { userId coins } }';

afterEach(closeServiceMode);

/** A cold service-mode gateway with its metrics listener on. */
function startWithMetrics(env: Record<string, string> = {}) {
  return startServiceMode({ env: { METRICS_PORT: '0', ...env } });
}

async function metrics(gateway: TestGateway) {
  const samples = parsePrometheusText(await gateway.scrapeMetrics());
  return {
    tokens: samplesOf(samples, 'coins_gateway_oauth_token_requests_total'),
    tokenAttempts: samplesOf(samples, 'coins_gateway_upstream_requests_total').filter(
      (sample) => sample.endpoint === 'oauth-token',
    ),
  };
}

describe('token requests in metrics', () => {
  it('a successful password grant', async () => {
    const { gateway } = await startWithMetrics();
    expect((await gateway.gql(BALANCE, { userId: 'U1' })).errors).toBeUndefined();
    expect((await gateway.gql(BALANCE, { userId: 'U2' })).errors).toBeUndefined();
    expect(await metrics(gateway)).toEqual({
      tokens: [{ grant: 'password', outcome: 'success', value: 1 }],
      tokenAttempts: [{ endpoint: 'oauth-token', method: 'POST', status: '200', outcome: 'success', value: 1 }],
    });
  });

  it('refused credentials: outcome refused, the attempt an HTTP 401', async () => {
    const { gateway } = await startWithMetrics({ COINS_OAUTH_PASSWORD: 'wrong-password' });
    expect((await gateway.gql(BALANCE, { userId: 'U1' })).errors?.[0]?.extensions?.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(await metrics(gateway)).toEqual({
      tokens: [{ grant: 'password', outcome: 'refused', value: 1 }],
      tokenAttempts: [{ endpoint: 'oauth-token', method: 'POST', status: '401', outcome: 'http-status', value: 1 }],
    });
  });

  it('a token endpoint that is down: outcome http-status', async () => {
    const { gateway, sandbox } = await startWithMetrics();
    sandbox.faults.inject({ path: '/oauth/token', times: 1, action: { kind: 'respond', status: 503, body: 'down' } });
    expect((await gateway.gql(BALANCE, { userId: 'U1' })).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(await metrics(gateway)).toEqual({
      tokens: [{ grant: 'password', outcome: 'http-status', value: 1 }],
      tokenAttempts: [{ endpoint: 'oauth-token', method: 'POST', status: '503', outcome: 'http-status', value: 1 }],
    });
  });
});

describe('token requests in traces', () => {
  let collector: OtlpCollector | undefined;
  afterEach(async () => {
    await collector?.close();
  });

  it('get a CLIENT span named by route, and send its traceparent to the token endpoint', async () => {
    collector = await startOtlpCollector();
    const { gateway, sandbox } = await startWithMetrics({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect((await gateway.gql(BALANCE, { userId: 'U1' })).errors).toBeUndefined();
    const tokenRequest = sandbox.requests.find((request) => request.path === '/oauth/token');
    await closeServiceMode(); // the gateway first: it flushes its spans
    const spans = collector.spans();
    const tokenSpan = spans.find((span) => span.name === 'POST /oauth/token');
    expect(tokenSpan).toMatchObject({
      kind: 3,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/oauth/token',
        'coins_gateway.upstream.endpoint': 'oauth-token',
        'http.response.status_code': 200,
      },
    });
    expect(tokenRequest?.headers.traceparent).toBe(`00-${tokenSpan!.traceId}-${tokenSpan!.spanId}-01`);
    // The token serves every request until it expires, so it belongs to none: no request id upstream.
    expect(tokenRequest?.headers['x-request-id']).toBeUndefined();
    expect(spans.map((span) => span.name).sort()).toEqual([
      'GET /api/v0/coins/balance',
      'POST /oauth/token',
      'query Balance',
    ]);
  });
});
