import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../helpers/otlp-collector.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// With an OTLP endpoint configured, spans go to it over HTTP: one per GraphQL
// operation (continuing the caller's traceparent), one per upstream attempt named by route,
// with the HTTP attributes and the envelope's response_code; traceparent goes upstream.

const CREATE = `mutation CreateCoinEvent($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }`;
const GET = `query CoinEvent($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId amount } }`;
const INPUT = { configuration: 'DEFAULT' as const, companyId: 'CEKEKCARDS', event: 'INVOICE_PAYMENT', amount: 10 };
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

let collector: OtlpCollector;
let gateway: TestGateway | undefined;

beforeEach(async () => {
  collector = await startOtlpCollector();
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await collector.close();
});

/** Closing the gateway flushes the batch span processor: every span is at the collector after it. */
async function closeAndCollect(): Promise<CollectedSpan[]> {
  await gateway!.close();
  gateway = undefined;
  return collector.spans();
}

describe('tracing over OTLP http/json', () => {
  beforeEach(async () => {
    gateway = await startTestGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'coins-gateway-under-test',
    });
  });

  it('a batched request: one server span, POST /graphql, and under it a span per operation with its own upstream attempts', async () => {
    const response = await gateway!.post(
      [
        { query: 'query First { coinEvent(coinConfigId: "WCC000001") { amount } }' },
        { query: 'query Broken { nope }' },
        { query: '{ __typename }' },
      ],
      { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, 'x-request-id': 'traced-batch' },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Array<{ errors?: Array<{ extensions?: { code?: string } }> }>;
    expect(body[0]).toEqual({ data: { coinEvent: null } });
    expect(body[1]?.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body[2]).toEqual({ data: { __typename: 'Query' } });
    const sentUpstream = gateway!.sandbox.requests.map((request) => request.headers.traceparent);
    const spans = await closeAndCollect();

    expect(spans.map((span) => span.name).sort()).toEqual([
      'GET /api/v0/enkash-coins/{coinConfigId}',
      'POST /graphql',
      'query',
      'query Broken',
      'query First',
    ]);
    const server = spans.find((span) => span.name === 'POST /graphql')!;
    expect(server).toMatchObject({ traceId: CALLER_TRACE_ID, parentSpanId: CALLER_SPAN_ID, kind: SERVER });
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
      'coins_gateway.request_id': 'traced-batch',
      'coins_gateway.error_codes': ['GRAPHQL_VALIDATION_FAILED'],
    });
    const first = spans.find((span) => span.name === 'query First')!;
    const broken = spans.find((span) => span.name === 'query Broken')!;
    const anonymous = spans.find((span) => span.name === 'query')!;
    for (const operation of [first, broken, anonymous]) {
      expect(operation).toMatchObject({ traceId: CALLER_TRACE_ID, parentSpanId: server.spanId, kind: INTERNAL });
    }
    expect(first.attributes).toEqual({
      'coins_gateway.batch_index': 0,
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'First',
      'coins_gateway.request_id': 'traced-batch',
    });
    expect(first.status.code).not.toBe(STATUS_ERROR);
    expect(broken.attributes).toEqual({
      'coins_gateway.batch_index': 1,
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Broken',
      'coins_gateway.request_id': 'traced-batch',
      'coins_gateway.error_codes': ['GRAPHQL_VALIDATION_FAILED'],
    });
    expect(broken.status.code).toBe(STATUS_ERROR);
    expect(anonymous.attributes).toEqual({
      'coins_gateway.batch_index': 2,
      'graphql.operation.type': 'query',
      'coins_gateway.request_id': 'traced-batch',
    });
    // The upstream attempt is First's child, and went upstream with its own span as the parent.
    const attempt = spans.find((span) => span.kind === CLIENT)!;
    expect(attempt).toMatchObject({ traceId: CALLER_TRACE_ID, parentSpanId: first.spanId });
    expect(sentUpstream).toEqual([`00-${CALLER_TRACE_ID}-${attempt.spanId}-01`]);
  });

  it('a batch refused as a whole (over GRAPHQL_BATCH_LIMIT) is its server span alone, with no span per entry', async () => {
    const response = await gateway!.post(Array.from({ length: 11 }, () => ({ query: 'query Each { __typename }' })));
    expect(response.status).toBe(413);
    const spans = await closeAndCollect();
    expect(spans.map((span) => [span.name, span.kind])).toEqual([['POST /graphql', SERVER]]);
    expect(spans[0]!.attributes['coins_gateway.error_codes']).toEqual(['BAD_REQUEST']);
  });

  it("continues the caller's trace: operation span, one child per attempt (retries too), traceparent upstream", async () => {
    const created = gateway!.sandbox.state.createConfig(INPUT);
    if (!created.ok) throw new Error('sandbox refused the configuration');
    const id = created.config.coinConfigId;
    gateway!.sandbox.faults.inject({ method: 'GET', action: { kind: 'respond', status: 503, body: '' }, times: 1 });

    const response = await gateway!.post(
      { query: GET, variables: { id } },
      { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, 'x-request-id': 'traced-1' },
    );
    expect(await response.json()).toEqual({ data: { coinEvent: { coinConfigId: id, amount: 10 } } });
    const sentUpstream = gateway!.sandbox.requests.map((request) => request.headers.traceparent);
    const spans = await closeAndCollect();

    expect(spans.map((span) => span.name).sort()).toEqual([
      'GET /api/v0/enkash-coins/{coinConfigId}',
      'GET /api/v0/enkash-coins/{coinConfigId}',
      'query CoinEvent',
    ]);
    const operation = spans.find((span) => span.name === 'query CoinEvent')!;
    expect(operation).toMatchObject({
      traceId: CALLER_TRACE_ID,
      parentSpanId: CALLER_SPAN_ID,
      kind: SERVER,
      resource: { 'service.name': 'coins-gateway-under-test' },
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/graphql',
        'http.response.status_code': 200,
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'CoinEvent',
        'coins_gateway.request_id': 'traced-1',
      },
    });
    const [first, retry] = spans.filter((span) => span.kind === CLIENT);
    for (const attempt of [first!, retry!]) {
      expect(attempt.traceId).toBe(CALLER_TRACE_ID);
      expect(attempt.parentSpanId).toBe(operation.spanId);
    }
    expect(first!.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/api/v0/enkash-coins/{coinConfigId}',
      'url.template': '/api/v0/enkash-coins/{coinConfigId}',
      'coins_gateway.upstream.endpoint': 'get-event',
      'http.response.status_code': 503,
      'error.type': 'http-status',
    });
    expect(first!.status.code).toBe(STATUS_ERROR);
    expect(retry!.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/api/v0/enkash-coins/{coinConfigId}',
      'url.template': '/api/v0/enkash-coins/{coinConfigId}',
      'coins_gateway.upstream.endpoint': 'get-event',
      'http.request.resend_count': 1,
      'http.response.status_code': 200,
      'enkash.response_code': 0,
    });
    // Each attempt went upstream with its own span as the parent, in the caller's trace.
    expect(sentUpstream).toEqual([
      `00-${CALLER_TRACE_ID}-${first!.spanId}-01`,
      `00-${CALLER_TRACE_ID}-${retry!.spanId}-01`,
    ]);
    // No raw ids in span names.
    expect(JSON.stringify(spans.map((span) => span.name))).not.toContain(id);
  });

  it('starts a new trace without a traceparent; a business rejection carries its response_code', async () => {
    gateway!.sandbox.faults.inject({
      method: 'POST',
      action: {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: null, response_code: 1001, response_message: 'Duplicate event' }),
      },
    });
    const result = await gateway!.gql(CREATE, { input: INPUT });
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_REJECTED');
    const spans = await closeAndCollect();
    expect(spans).toHaveLength(2);
    const operation = spans.find((span) => span.kind === SERVER)!;
    const upstream = spans.find((span) => span.kind === CLIENT)!;
    expect(operation.name).toBe('mutation CreateCoinEvent');
    expect(operation.parentSpanId).toBeUndefined();
    expect(operation.traceId).not.toBe(CALLER_TRACE_ID);
    expect(operation.status.code).toBe(STATUS_ERROR);
    expect(operation.attributes['coins_gateway.error_codes']).toEqual(['UPSTREAM_REJECTED']);
    expect(upstream).toMatchObject({
      name: 'POST /api/v0/enkash-coins/create-coins-config',
      traceId: operation.traceId,
      parentSpanId: operation.spanId,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/v0/enkash-coins/create-coins-config',
        'http.response.status_code': 200,
        'enkash.response_code': 1001,
        'error.type': 'rejected',
      },
    });
  });

  it('an invalid traceparent is ignored (a new trace), a request without operation name is named by its type', async () => {
    await gateway!.post({ query: '{ __typename }' }, { traceparent: 'not-a-traceparent' });
    const spans = await closeAndCollect();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: 'query',
      parentSpanId: undefined,
      attributes: { 'graphql.operation.type': 'query' },
    });
  });
});

describe('tracing over OTLP http/protobuf (the default protocol)', () => {
  it('exports protobuf to <endpoint>/v1/traces', async () => {
    gateway = await startTestGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await gateway.gql(CREATE, { input: INPUT });
    const traceparent = gateway.sandbox.requests[0]?.headers.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await closeAndCollect();
    expect(collector.exports.length).toBeGreaterThan(0);
    for (const received of collector.exports) {
      expect(received.path).toBe('/v1/traces');
      expect(received.contentType).toBe('application/x-protobuf');
    }
    const body = Buffer.concat(collector.exports.map((received) => received.body));
    // Protobuf carries strings as raw UTF-8 and ids as raw bytes.
    expect(body.includes(Buffer.from('mutation CreateCoinEvent'))).toBe(true);
    expect(body.includes(Buffer.from('POST /api/v0/enkash-coins/create-coins-config'))).toBe(true);
    expect(body.includes(Buffer.from(traceparent!.slice(3, 35), 'hex'))).toBe(true);
  });
});

describe('tracing off', () => {
  it('sends no traceparent upstream', async () => {
    gateway = await startTestGateway();
    await gateway.gql(CREATE, { input: INPUT }, { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` });
    expect(gateway.sandbox.requests[0]?.headers.traceparent).toBeUndefined();
  });

  it('loads nothing of the SDK: only otel-tracing.ts imports @opentelemetry, and only dynamically itself', () => {
    const sourceRoot = join(import.meta.dirname, '../../src');
    const files = readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const importingOtel = files.filter((file) =>
      /from '@opentelemetry\//.test(readFileSync(join(sourceRoot, file), 'utf8')),
    );
    expect(importingOtel).toEqual([join('observability', 'otel-tracing.ts')]);
    const importingTheModule = files.filter((file) =>
      readFileSync(join(sourceRoot, file), 'utf8').includes('otel-tracing.js'),
    );
    expect(importingTheModule).toEqual([join('observability', 'tracing.ts')]);
    expect(readFileSync(join(sourceRoot, 'observability/tracing.ts'), 'utf8')).toMatch(
      /await import\('\.\/otel-tracing\.js'\)/,
    );
    expect(readFileSync(join(sourceRoot, 'observability/tracing.ts'), 'utf8')).not.toMatch(/^import .*otel-tracing/m);
  });
});
