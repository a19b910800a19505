// `npx tsx test/bench/tracing-cost.ts`: the CPU cost of tracing per GraphQL request, in process,
// without HTTP: one operation span (continuing a traceparent) and one upstream attempt span with
// its traceparent injected, ended, batched and exported as http/protobuf to a loopback sink.
// Steadier than the end-to-end `BENCH_TARGETS=gateway,traced npm run bench` on a busy machine;
// compare its µs/request with the gateway's CPU µs/request from the benchmark.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';
import { startTracing } from '../../src/observability/tracing.js';

const REQUESTS = Number(process.env.TRACING_COST_REQUESTS ?? 50_000);
const ROUNDS = 5;

let exportedBytes = 0;
const sink = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => {
    exportedBytes += chunk.length;
  });
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
// Dropped spans would make tracing look cheaper than it is: they are reported, and counted.
let diagnostics = '';
const diagnosticLog = new Writable({
  write(chunk: Buffer, _encoding, done) {
    diagnostics += chunk.toString('utf8');
    done();
  },
});
await new Promise<void>((done) => sink.listen(0, '127.0.0.1', done));
const { port } = sink.address() as AddressInfo;
const tracing = await startTracing(
  { url: `http://127.0.0.1:${port}/v1/traces`, protocol: 'http/protobuf', serviceName: 'tracing-cost' },
  createLogger('warn', diagnosticLog),
);
const headers = new Headers({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
const attempt = {
  endpoint: 'create-event',
  method: 'POST',
  route: '/api/v0/enkash-coins/create-coins-config',
  attempt: 1,
} as const;

function oneRequest(): void {
  const operation = tracing.startOperation({ method: 'POST', headers });
  operation.nameOperation('mutation', 'CreateCoinEvent');
  const upstream = operation.startUpstream(attempt);
  if (!upstream.propagationHeaders.traceparent) throw new Error('no traceparent');
  upstream.end({ status: 200, outcome: 'success', responseCode: 0 });
  operation.end({ httpStatus: 200, errorCodes: [], requestId: '0f8fad5b-d9cb-469f-a165-70867728950e' });
}

for (let i = 0; i < 5_000; i += 1) {
  oneRequest(); // warm-up
  if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}
const perRequest: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i += 1) {
    oneRequest();
    // Pause now and then, so the batch processor exports as it would between requests (a gateway
    // makes about 7000 requests/s on one core): the sleep costs no CPU, the export does.
    if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const used = process.cpuUsage(cpu);
  perRequest.push((used.user + used.system) / REQUESTS);
}
await tracing.shutdown();
sink.close();
perRequest.sort((a, b) => a - b);
if (diagnostics) console.log(`diagnostics:\n${diagnostics}`);
console.log(`exported ${Math.round(exportedBytes / 1024)} KB of spans`);
console.log(
  `tracing CPU per request (2 spans, exported): median ${perRequest[Math.floor(ROUNDS / 2)]!.toFixed(1)} µs ` +
    `(rounds: ${perRequest.map((value) => value.toFixed(1)).join(', ')})`,
);
