import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  samplesOf,
  sortSamples as sorted,
  sampleValue,
  type Sample,
} from '../helpers/prometheus-text.js';
import { useTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// GET /metrics on its own listener, after a known sequence of operations, shows exact
// counts: operations by outcome, errors by code, upstream attempts with their retries, and the
// circuit breaker's state as it changes.

const CREATE = `mutation CreateCoinEvent($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }`;
const GET = `query CoinEvent($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId amount } }`;
const INPUT = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'INVOICE_PAYMENT', amount: 10 };
const CREATE_PATH = '/api/v0/enkash-coins/create-coins-config';
const COOLDOWN_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(gateway: TestGateway): Promise<Sample[]> {
  return parsePrometheusText(await gateway.scrapeMetrics());
}

async function breakerState(gateway: TestGateway): Promise<number | undefined> {
  return sampleValue(await scrape(gateway), 'coins_gateway_circuit_breaker_state');
}

type Row = Record<string, string | number>;

/**
 * The counts a histogram's _count shows for the events `rows` counted: the values summed over the
 * rows that share `labels`, the other labels dropped.
 */
function countsBy(rows: Row[], labels: string[]): Row[] {
  const sums = new Map<string, Row>();
  for (const row of rows) {
    const kept: Row = Object.fromEntries(labels.map((label) => [label, row[label] as string]));
    const key = JSON.stringify(kept);
    const sum = sums.get(key) ?? { ...kept, value: 0 };
    sum.value = (sum.value as number) + (row.value as number);
    sums.set(key, sum);
  }
  return [...sums.values()];
}

async function createEvent(gateway: TestGateway, event: string) {
  return gateway.gql(CREATE, { input: { ...INPUT, event } });
}

describe('metrics after a known sequence of operations', () => {
  const gateway = useTestGateway(
    {
      METRICS_PORT: '0',
      COINS_API_RETRIES: '2',
      COINS_API_BREAKER_FAILURES: '2',
      // The breaker also needs this share of failed calls: the 2 failures below come after 4 answered calls.
      COINS_API_BREAKER_FAILURE_RATE: '0.3',
      COINS_API_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
    },
    { resetSandboxBeforeEach: false },
  );

  it('counts operations, errors by code, upstream attempts with retries, and breaker state changes', async () => {
    expect(await breakerState(gateway)).toBe(0);

    // Two successful creates.
    const created = await createEvent(gateway, 'E1');
    expect(created.errors).toBeUndefined();
    expect((await createEvent(gateway, 'E2')).errors).toBeUndefined();
    const id = (created.data?.createCoinEvent as { coinConfigId: string } | undefined)?.coinConfigId ?? '';

    // A read whose first attempt gets a 503: retried once, then it succeeds.
    gateway.sandbox.faults.inject({ method: 'GET', action: { kind: 'respond', status: 503, body: '' }, times: 1 });
    expect((await gateway.gql(GET, { id })).data).toEqual({ coinEvent: { coinConfigId: id, amount: 10 } });

    // An unknown id: a 404 upstream, null for the client, not an error.
    expect(await gateway.gql(GET, { id: 'WCC000000' })).toEqual({ data: { coinEvent: null } });

    // An anonymous operation without credentials: UNAUTHENTICATED, no upstream call.
    const unauthenticated = await gateway.gql('{ coinEvent(coinConfigId: "WCC1") { coinConfigId } }', undefined, {
      authorization: null,
    });
    expect(unauthenticated.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // A document that does not parse: no operation type can be known.
    expect((await gateway.gql('{ coinEvent(')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    // Two failed creates (POST: never retried) open the breaker (FAILURES=2)...
    gateway.sandbox.faults.inject({ path: CREATE_PATH, action: { kind: 'respond', status: 503, body: '' }, times: 2 });
    for (const event of ['E3', 'E4']) {
      expect((await createEvent(gateway, event)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(await breakerState(gateway)).toBe(1);
    // ...so the next one is refused without an upstream attempt.
    const before = gateway.sandbox.requests.length;
    expect((await createEvent(gateway, 'E5')).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(gateway.sandbox.requests.length).toBe(before);

    // After the cooldown the next call is the trial (half-open); its success closes the breaker.
    await sleep(COOLDOWN_MS + 50);
    expect(await breakerState(gateway)).toBe(2);
    expect((await createEvent(gateway, 'E6')).errors).toBeUndefined();
    expect(await breakerState(gateway)).toBe(0);

    const samples = await scrape(gateway);
    const operations = [
      { operation_type: 'mutation', operation_name: 'CreateCoinEvent', outcome: 'success', value: 3 },
      { operation_type: 'mutation', operation_name: 'CreateCoinEvent', outcome: 'error', value: 3 },
      { operation_type: 'query', operation_name: 'CoinEvent', outcome: 'success', value: 2 },
      { operation_type: 'query', operation_name: 'anonymous', outcome: 'error', value: 1 },
      { operation_type: 'unknown', operation_name: 'anonymous', outcome: 'error', value: 1 },
    ];
    expect(samplesOf(samples, 'coins_gateway_operations_total')).toEqual(sorted(operations));
    expect(samplesOf(samples, 'coins_gateway_errors_total')).toEqual(
      sorted([
        { code: 'UPSTREAM_UNAVAILABLE', value: 3 },
        { code: 'UNAUTHENTICATED', value: 1 },
        { code: 'GRAPHQL_PARSE_FAILED', value: 1 },
      ]),
    );
    const upstreamRequests = [
      { endpoint: 'create-event', method: 'POST', status: '200', outcome: 'success', value: 3 },
      { endpoint: 'create-event', method: 'POST', status: '503', outcome: 'http-status', value: 2 },
      { endpoint: 'get-event', method: 'GET', status: '503', outcome: 'http-status', value: 1 },
      { endpoint: 'get-event', method: 'GET', status: '200', outcome: 'success', value: 1 },
      { endpoint: 'get-event', method: 'GET', status: '404', outcome: 'http-status', value: 1 },
    ];
    expect(samplesOf(samples, 'coins_gateway_upstream_requests_total')).toEqual(sorted(upstreamRequests));
    expect(samplesOf(samples, 'coins_gateway_upstream_retries_total')).toEqual([{ endpoint: 'get-event', value: 1 }]);
    // The histograms saw the same events: one observation per counted request and operation,
    // labelled without the status (upstream) and the outcome (operations).
    expect(samplesOf(samples, 'coins_gateway_upstream_request_duration_seconds_count')).toEqual(
      sorted(countsBy(upstreamRequests, ['endpoint', 'outcome'])),
    );
    expect(samplesOf(samples, 'coins_gateway_operation_duration_seconds_count')).toEqual(
      sorted(countsBy(operations, ['operation_type', 'operation_name'])),
    );
    // No token requests: the gateway forwards the caller's credential.
    expect(samplesOf(samples, 'coins_gateway_oauth_token_requests_total')).toEqual([]);
  });

  it("includes Node's default process metrics", async () => {
    const names = new Set((await scrape(gateway)).map((sample) => sample.name));
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('serves Prometheus text format at /metrics only, and never on the public GraphQL port', async () => {
    const metricsUrl = gateway.metricsServer!.url;
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE coins_gateway_operations_total counter');
    const elsewhere = await fetch(metricsUrl.replace('/metrics', '/graphql'));
    expect(elsewhere.status).toBe(404);
    await elsewhere.arrayBuffer();

    const publicPort = await fetch(`${gateway.url}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain('coins_gateway_');
  });
});

describe('operation_name is bounded', () => {
  const gateway = useTestGateway({ METRICS_PORT: '0' });

  it('names that are not plain GraphQL names of at most 64 characters are never labels', async () => {
    const long = `Q${'x'.repeat(64)}`;
    await gateway.gql(`query ${long} { __typename }`);
    await gateway.gql('query Short { __typename }');
    const names = samplesOf(await scrape(gateway), 'coins_gateway_operations_total').map(
      (sample) => sample.operation_name,
    );
    expect(names.sort()).toEqual(['Short', 'other']);
  });

  it('past 100 distinct names, new names count as other', async () => {
    // The describe block's gateway saw 1 name already (Short); 99 more fill the table.
    for (let i = 0; i < 101; i += 1) await gateway.gql(`query Name${i} { __typename }`);
    const samples = samplesOf(await scrape(gateway), 'coins_gateway_operations_total');
    const names = new Set(samples.map((sample) => sample.operation_name));
    expect(names.size).toBe(101); // 100 names + other
    expect(names).toContain('Name98');
    expect(names).not.toContain('Name99');
    expect(samples.find((sample) => sample.operation_name === 'other')?.value).toBe(1 + 2);
  });
});

describe('operation_name with trusted documents', () => {
  // The issue's allow-list: with a manifest, only its operations' names are labels, so callers
  // sending full documents (TRUSTED_DOCUMENTS=allow) cannot fill the label table with their own.
  const TRUSTED = 'query TrustedTypename { __typename }';
  const dir = mkdtempSync(join(tmpdir(), 'coins-gateway-metrics-manifest-'));
  const manifestPath = join(dir, 'persisted-documents.json');
  writeFileSync(manifestPath, JSON.stringify({ [createHash('sha256').update(TRUSTED).digest('hex')]: TRUSTED }));
  const gateway = useTestGateway({ METRICS_PORT: '0', TRUSTED_DOCUMENTS_FILE: manifestPath });

  it('names outside the manifest count as other, from the first one', async () => {
    expect((await gateway.gql(TRUSTED)).data).toEqual({ __typename: 'Query' });
    expect((await gateway.gql('query CallerChosen { __typename }')).data).toEqual({ __typename: 'Query' });
    expect((await gateway.gql('query AnotherOne { __typename }')).data).toEqual({ __typename: 'Query' });
    const samples = samplesOf(await scrape(gateway), 'coins_gateway_operations_total');
    expect(sorted(samples.map(({ operation_name, value }) => ({ operation_name, value })))).toEqual(
      sorted([
        { operation_name: 'TrustedTypename', value: 1 },
        { operation_name: 'other', value: 2 },
      ]),
    );
  });
});

describe('a batched request', () => {
  const gateway = useTestGateway({ METRICS_PORT: '0' });

  it('counts each of its operations under its own name and outcome', async () => {
    const response = await gateway.post([
      { query: 'query First { __typename }' },
      { query: 'query Second { __typename }' },
      { query: 'query Third { nope }' },
    ]);
    expect(response.status).toBe(200);
    const samples = samplesOf(await scrape(gateway), 'coins_gateway_operations_total');
    expect(sorted(samples)).toEqual(
      sorted([
        { operation_type: 'query', operation_name: 'First', outcome: 'success', value: 1 },
        { operation_type: 'query', operation_name: 'Second', outcome: 'success', value: 1 },
        { operation_type: 'query', operation_name: 'Third', outcome: 'error', value: 1 },
      ]),
    );
    expect(samplesOf(await scrape(gateway), 'coins_gateway_errors_total')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', value: 1 },
    ]);
  });
});
