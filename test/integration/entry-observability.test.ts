import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, stopGatewayProcesses } from '../helpers/gateway-process.js';
import { startOtlpCollector } from '../helpers/otlp-collector.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

// The real entry point (src/main.ts, what `npm start` runs) serves /metrics on METRICS_PORT,
// starts tracing when an OTLP endpoint is set, and flushes spans on SIGTERM.

const BALANCE = 'query Balance($userId: ID!) { coinBalance(userId: $userId) { userId coins } }';

afterAll(stopGatewayProcesses);

/** The probe records every @opentelemetry module the process resolves (MODULE_PROBE_FILE). */
function startEntry(env: Record<string, string>) {
  return startGatewayProcess(
    { MODULE_PROBE_MATCH: '@opentelemetry', ...env },
    { imports: ['./test/helpers/module-probe.mjs'] },
  );
}

describe('the entry point', () => {
  it('serves /metrics on METRICS_PORT, writes the access log, and closes both listeners on SIGTERM', async () => {
    const gateway = await startEntry({ METRICS_PORT: '0' });
    const { url, metrics } = gateway.listening as { url: string; metrics: string };
    expect(metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'x-request-id': 'entry-1' },
      body: JSON.stringify({ query: BALANCE, variables: { userId: 'U1' } }),
    });
    expect(response.headers.get('x-request-id')).toBe('entry-1');
    expect((await response.json()) as unknown).toEqual({ data: { coinBalance: { userId: 'U1', coins: 0 } } });

    const samples = parsePrometheusText(await (await fetch(metrics)).text());
    expect(
      sampleValue(samples, 'coins_gateway_operations_total', {
        operation_type: 'query',
        operation_name: 'Balance',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(gateway.logs.find((line) => line.event === 'operation')).toMatchObject({
      requestId: 'entry-1',
      operationName: 'Balance',
      upstream: { 'get-balance 200 success': 1 },
    });

    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
    await expect(fetch(metrics)).rejects.toThrow();
  });

  it('METRICS_PORT=off opens no metrics listener; with tracing off no OpenTelemetry module is ever loaded', async () => {
    const probeFile = join(mkdtempSync(join(tmpdir(), 'otel-probe-')), 'resolved.txt');
    const gateway = await startEntry({ METRICS_PORT: 'off', MODULE_PROBE_FILE: probeFile });
    expect(gateway.listening).toMatchObject({ metrics: 'off', tracing: 'off' });
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: JSON.stringify({ query: BALANCE, variables: { userId: 'U1' } }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
    expect(existsSync(probeFile) ? readFileSync(probeFile, 'utf8') : '').toBe('');
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT, exports the spans still buffered when it shuts down', async () => {
    const collector = await startOtlpCollector();
    const probeFile = join(mkdtempSync(join(tmpdir(), 'otel-probe-')), 'resolved.txt');
    try {
      const gateway = await startEntry({
        METRICS_PORT: 'off',
        MODULE_PROBE_FILE: probeFile,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      expect(gateway.listening).toMatchObject({ tracing: 'http/json' });
      await (
        await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
          body: JSON.stringify({ query: BALANCE, variables: { userId: 'U1' } }),
        })
      ).json();
      // The batch processor waits 5 s by default: only the shutdown can have sent these.
      gateway.child.kill('SIGTERM');
      expect((await gateway.exited).code).toBe(0);
      expect(
        collector
          .spans()
          .map((span) => `${span.name} ${String(span.resource['service.name'])}`)
          .sort(),
      ).toEqual(['GET /api/v0/coins/balance coins-gateway', 'query Balance coins-gateway']);
      // The probe works: with tracing on, the SDK's modules were resolved.
      expect(readFileSync(probeFile, 'utf8')).toContain('@opentelemetry/sdk-trace-base');
    } finally {
      await collector.close();
    }
  });
});
