// `npm run bench`: createCoinEvent under load, three targets in one run, each server in its own
// process so that RSS and CPU are attributable (the load generator, autocannon, runs here):
//
//   direct    POST /api/v0/enkash-coins/create-coins-config on the sandbox (the upstream call itself)
//   baseline  a minimal graphql-yoga server with one resolver making the same undici call
//             (test/bench/baseline-server.ts): the floor for a yoga resolver
//   gateway   the real gateway, `node dist/main.js` (built with `npm run build`), COINS_API_URL
//             pointing at the sandbox
//
// Every request creates a distinct configuration (event EVENT_<n>, n unique over the whole run),
// so the sandbox never answers "duplicate"; its state is reset before each phase and it records
// no requests. Every response is checked: a GraphQL answer counts as a success only with
// data.createCoinEvent.coinConfigId and no errors; a direct answer only with response_code 0.
//
// Environment:
//   BENCH_DURATION_S     measured seconds per target (default 10)
//   BENCH_WARMUP_S       warm-up seconds per target, not measured (default 5, enough for the JIT to
//                        settle on the gateway's larger code; 0 = none)
//   BENCH_CONNECTIONS    concurrent connections (default 50)
//   BENCH_ROUNDS         repeat the three targets N times (default 1); baseline and gateway swap
//                        order every round; the table shows each target's median round (by
//                        requests/s) and the gateway/baseline verdict uses the median of the
//                        per-round ratios (paired: the two ran back to back, on the same noise)
//   BENCH_TARGETS        comma list out of direct,baseline,gateway,traced (default the first three);
//                        traced = the gateway with OpenTelemetry tracing on, exporting http/protobuf
//                        to a local OTLP sink in this process: `BENCH_TARGETS=gateway,traced` reports
//                        tracing's cost (traced/gateway throughput, paired per round; aim >= 0.85)
//   BENCH_OUT            also write the results as JSON to this path
//   BENCH_GATEWAY_MODE   dist (default: `npm run build`, then node dist/main.js) or tsx
//                        (node --import tsx src/main.ts, when the build is broken; higher RSS)
//   BENCH_SKIP_BUILD=1   use the existing dist/ as is
//   BENCH_CPU_PROF=dir   run the gateway and baseline with --cpu-prof into dir/gateway, dir/baseline
//                        (summarise with: node test/bench/profile-summary.ts <file.cpuprofile>)
//   BENCH_NODE_ARGS      extra node flags for the gateway and baseline processes, space-separated
//                        (both always get npm start's --max-old-space-size, read from package.json)
//                        (e.g. "--max-semi-space-size=4" to see how V8 heap sizing moves RSS)
//   BENCH_STRICT=1       exit 1 when a target is missed (default: report only)
//   BENCH_PIN=0          do not pin processes to CPUs (default: with 2+ CPUs and taskset, the
//                        server under test gets CPU 0 alone; load generator and sandbox share CPU 1)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { readPeakRssBytes, sampleProcess } from './proc-stats.js';
import { CREATE_PATH } from '../helpers/upstream-paths.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const AUTHORIZATION = 'Bearer bench-token';
const COMPANY_ID = 'BENCH_CO';
const AMOUNT = 100;
/** The target as written: at least the baseline's throughput (median of paired rounds). */
const THROUGHPUT_PASS_RATIO = 1.0;
const RSS_LIMIT_MB = 200;

const MUTATION =
  'mutation CreateCoinEvent($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId configuration companyId event amount } }';

type TargetName = 'direct' | 'baseline' | 'gateway' | 'traced';
const ALL_TARGETS: readonly TargetName[] = ['direct', 'baseline', 'gateway'];
const KNOWN_TARGETS: readonly TargetName[] = [...ALL_TARGETS, 'traced'];
/** Issue 12: tracing may cost at most 15% of the throughput. */
const TRACING_PASS_RATIO = 0.85;

interface Settings {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  targets: TargetName[];
  out: string | undefined;
  gatewayMode: 'dist' | 'tsx';
  skipBuild: boolean;
  cpuProfDir: string | undefined;
  nodeArgs: string[];
  strict: boolean;
}

function positiveNumber(name: string, fallback: number, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  }
  return value;
}

function readSettings(): Settings {
  const targets = (process.env.BENCH_TARGETS ?? ALL_TARGETS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of targets) {
    if (!KNOWN_TARGETS.includes(name as TargetName)) {
      throw new Error(`BENCH_TARGETS: unknown target "${name}" (known: ${KNOWN_TARGETS.join(', ')})`);
    }
  }
  const gatewayMode = process.env.BENCH_GATEWAY_MODE ?? 'dist';
  if (gatewayMode !== 'dist' && gatewayMode !== 'tsx') {
    throw new Error(`BENCH_GATEWAY_MODE must be dist or tsx, got "${gatewayMode}"`);
  }
  return {
    durationS: positiveNumber('BENCH_DURATION_S', 10),
    warmupS: positiveNumber('BENCH_WARMUP_S', 5, true),
    connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 50)),
    rounds: Math.round(positiveNumber('BENCH_ROUNDS', 1)),
    targets: KNOWN_TARGETS.filter((name) => targets.includes(name)),
    out: process.env.BENCH_OUT || undefined,
    gatewayMode,
    skipBuild: process.env.BENCH_SKIP_BUILD === '1',
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
    nodeArgs: [
      ...productionHeapFlags(),
      ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== ''),
    ],
    strict: process.env.BENCH_STRICT === '1',
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  url: string;
  /** The last few KB of the child's stdout/stderr, for diagnostics. */
  output(): string;
}

const children: Child[] = [];

function spawnNode(name: string, args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${process.execPath}`);
  return { proc, pid: proc.pid, output: () => tail };
}

/** Waits for the child's {type:'ready', url} IPC message. */
function waitForIpcReady(name: string, proc: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 30 s\n${output()}`)), 30_000);
    const onMessage = (message: unknown) => {
      const m = message as { type?: unknown; url?: unknown };
      if (m.type === 'ready' && typeof m.url === 'string') {
        cleanup();
        resolveUrl(m.url);
      }
    };
    const onExit = (code: number | null) => fail(new Error(`${name} exited (code ${code}) before it was ready\n${output()}`));
    function cleanup() {
      clearTimeout(timer);
      proc.off('message', onMessage);
      proc.off('exit', onExit);
    }
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

async function waitForHealth(name: string, url: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (code ${proc.exitCode}) before it was ready\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${name} did not answer /health within 30 s\n${output()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** Node flags for a server under test: BENCH_NODE_ARGS, and --cpu-prof when BENCH_CPU_PROF is set. */
/**
 * The servers run with the heap limit `npm start` gives the gateway (read from package.json), so
 * the figures are those of the gateway as deployed; the baseline gets the same limit, like for like.
 */
function productionHeapFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start.match(/--max-old-space-size=\d+/g) ?? [];
}

function nodeArgs(settings: Settings, name: string): string[] {
  const extra = settings.nodeArgs;
  if (!settings.cpuProfDir) return extra;
  // One directory per target, default file names: a process with a worker thread (tsx's loader
  // hooks) writes one profile per thread, and a fixed --cpu-prof-name would let them overwrite.
  const dir = resolve(settings.cpuProfDir, name);
  mkdirSync(dir, { recursive: true });
  return [...extra, '--cpu-prof', '--cpu-prof-dir', dir];
}

async function startSandbox(): Promise<Child> {
  const { proc, pid, output } = spawnNode('sandbox', ['--import', 'tsx', 'test/bench/sandbox-process.ts'], {});
  const child: Child = { name: 'sandbox', proc, pid, url: '', output };
  children.push(child);
  child.url = await waitForIpcReady('sandbox', proc, output);
  return child;
}

async function startBaseline(settings: Settings, upstreamUrl: string): Promise<Child> {
  const { proc, pid, output } = spawnNode(
    'baseline',
    [...nodeArgs(settings, 'baseline'), '--import', 'tsx', 'test/bench/baseline-server.ts'],
    { UPSTREAM_URL: upstreamUrl, UPSTREAM_CONNECTIONS: process.env.COINS_API_MAX_CONNECTIONS || '32' },
  );
  const child: Child = { name: 'baseline', proc, pid, url: '', output };
  children.push(child);
  child.url = await waitForIpcReady('baseline', proc, output);
  return child;
}

function buildGateway(): void {
  console.log('building the gateway (npm run build) ...');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error('npm run build failed: fix the build, or run with BENCH_GATEWAY_MODE=tsx (or BENCH_SKIP_BUILD=1)');
  }
}

async function startGateway(
  settings: Settings,
  upstreamUrl: string,
  name: 'gateway' | 'traced' = 'gateway',
  extraEnv: Record<string, string> = {},
): Promise<Child> {
  const entry = settings.gatewayMode === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  if (settings.gatewayMode === 'dist' && !existsSync(resolve(ROOT, 'dist/main.js'))) {
    throw new Error('dist/main.js is missing: run npm run build (or unset BENCH_SKIP_BUILD)');
  }
  const port = await freePort();
  const { proc, pid, output } = spawnNode(name, [...nodeArgs(settings, name), ...entry], {
    COINS_API_URL: upstreamUrl,
    PORT: String(port),
    // Metrics are always collected; the listener itself is not under test (and 9464 may be taken).
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  });
  const child: Child = { name, proc, pid, url: `http://127.0.0.1:${port}`, output };
  children.push(child);
  await waitForHealth(name, child.url, proc, output);
  return child;
}

/**
 * Where the traced gateway exports its spans: a loopback OTLP/HTTP endpoint that reads each
 * export and answers 200, so the gateway pays for building, batching and sending spans, never
 * for a slow collector. It runs in this process (on the load generator's CPU).
 */
async function startOtlpSink(): Promise<{ url: string; spansBytes: () => number; close: () => void }> {
  let bytes = 0;
  const server = createHttpServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spansBytes: () => bytes, close: () => server.close() };
}

async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.proc.exitCode !== null || child.proc.signalCode !== null) return done();
          const kill = setTimeout(() => child.proc.kill('SIGKILL'), 5_000);
          child.proc.once('exit', () => {
            clearTimeout(kill);
            done();
          });
          child.proc.kill('SIGTERM');
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Load

/** n is unique over the whole run: every request creates a distinct (companyId, event). */
let sequence = 0;

function nextInput() {
  sequence += 1;
  return { configuration: 'DEFAULT', companyId: COMPANY_ID, event: `EVENT_${sequence}`, amount: AMOUNT };
}

interface Verdicts {
  ok: number;
  failed: number;
  /** Up to three examples of responses that were not a verified success. */
  samples: string[];
}

function isDirectSuccess(body: string): boolean {
  const parsed = JSON.parse(body) as { response_code?: unknown; payload?: { coinConfigId?: unknown } };
  return parsed.response_code === 0 && typeof parsed.payload?.coinConfigId === 'string';
}

function isGraphqlSuccess(body: string): boolean {
  const parsed = JSON.parse(body) as { errors?: unknown; data?: { createCoinEvent?: { coinConfigId?: unknown } } };
  return parsed.errors === undefined && typeof parsed.data?.createCoinEvent?.coinConfigId === 'string';
}

async function sandboxReset(sandboxUrl: string): Promise<void> {
  const response = await fetch(`${sandboxUrl}/__sandbox/reset`, { method: 'POST' });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`sandbox reset answered ${response.status}`);
}

async function load(target: TargetName, url: string, seconds: number, connections: number) {
  const verdicts: Verdicts = { ok: 0, failed: 0, samples: [] };
  const direct = target === 'direct';
  const isSuccess = direct ? isDirectSuccess : isGraphqlSuccess;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: {
      authorization: AUTHORIZATION,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    requests: [
      {
        method: 'POST',
        path: direct ? CREATE_PATH : '/graphql',
        setupRequest: (request) => ({
          ...request,
          body: direct
            ? JSON.stringify(nextInput())
            : JSON.stringify({ query: MUTATION, variables: { input: nextInput() } }),
        }),
        onResponse: (status, body) => {
          let success = false;
          try {
            success = status === 200 && isSuccess(body);
          } catch {
            success = false;
          }
          if (success) {
            verdicts.ok += 1;
          } else {
            verdicts.failed += 1;
            if (verdicts.samples.length < 3) verdicts.samples.push(`${status} ${body.slice(0, 300)}`);
          }
        },
      },
    ],
  });
  return { result, verdicts };
}

interface TargetResult {
  target: TargetName;
  round: number;
  durationS: number;
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses that were not a verified success (non-2xx included). */
  failedResponses: number;
  failedSamples: string[];
  /** The server under test (baseline or gateway); for direct, the sandbox itself. */
  serverPid: number;
  serverRssMaxMB: number;
  serverCpuSeconds: number;
  serverCpuMicrosPerRequest: number;
  sandboxCpuSeconds: number;
  sandboxRssMaxMB: number;
  loadgenCpuSeconds: number;
}

const MB = 1024 * 1024;
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;

async function measure(
  target: TargetName,
  server: Child,
  sandbox: Child,
  settings: Settings,
  round: number,
): Promise<TargetResult> {
  const url = target === 'direct' ? sandbox.url : server.url;
  await sandboxReset(sandbox.url);
  if (settings.warmupS > 0) {
    process.stdout.write(`  ${target}: warm-up ${settings.warmupS} s ... `);
    await load(target, url, settings.warmupS, settings.connections);
    await sandboxReset(sandbox.url);
  } else {
    process.stdout.write(`  ${target}: `);
  }
  process.stdout.write(`measuring ${settings.durationS} s ... `);
  const serverSampler = sampleProcess(server.pid);
  const sandboxSampler = target === 'direct' ? undefined : sampleProcess(sandbox.pid);
  const loadgenCpuStart = process.cpuUsage();
  const { result, verdicts } = await load(target, url, settings.durationS, settings.connections);
  const loadgenCpu = process.cpuUsage(loadgenCpuStart);
  const serverSample = serverSampler.stop();
  const sandboxSample = sandboxSampler?.stop() ?? serverSample;
  const requests = result.requests.total;
  console.log(`${Math.round(result.requests.average)} req/s`);
  return {
    target,
    round,
    durationS: settings.durationS,
    connections: settings.connections,
    requestsPerSecond: round1(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: round2(result.latency.average),
    requests,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    failedResponses: verdicts.failed,
    failedSamples: verdicts.samples,
    serverPid: server.pid,
    serverRssMaxMB: round1(serverSample.rssMaxBytes / MB),
    serverCpuSeconds: round2(serverSample.cpuSeconds),
    serverCpuMicrosPerRequest: requests > 0 ? Math.round((serverSample.cpuSeconds * 1e6) / requests) : 0,
    sandboxCpuSeconds: round2(sandboxSample.cpuSeconds),
    sandboxRssMaxMB: round1(sandboxSample.rssMaxBytes / MB),
    loadgenCpuSeconds: round2((loadgenCpu.user + loadgenCpu.system) / 1e6),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function median(results: TargetResult[]): TargetResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
      return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/**
 * With the load generator, the sandbox and the server under test on the same two cores, the
 * measured ratio swings by ±20 % from run to run. Giving the server a core of its own makes it the
 * bottleneck it is meant to be, and the comparison repeatable.
 */
function pinToCpus(processes: { servers: (Child | undefined)[]; rest: number[] }): boolean {
  if (process.env.BENCH_PIN === '0' || cpus().length < 2) return false;
  const pin = (cpu: number, pid: number) =>
    spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
  const serversPinned = processes.servers.every((server) => server === undefined || pin(0, server.pid));
  const restPinned = processes.rest.every((pid) => pin(1, pid));
  return serversPinned && restPinned;
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (process.platform !== 'linux') console.warn('warning: RSS and CPU figures need /proc (Linux); they will read 0');
  const needsGateway = settings.targets.includes('gateway');
  const needsTraced = settings.targets.includes('traced');
  if ((needsGateway || needsTraced) && settings.gatewayMode === 'dist' && !settings.skipBuild) buildGateway();

  const sandbox = await startSandbox();
  const baseline = settings.targets.includes('baseline') ? await startBaseline(settings, sandbox.url) : undefined;
  const gateway = needsGateway ? await startGateway(settings, sandbox.url) : undefined;
  const otlpSink = needsTraced ? await startOtlpSink() : undefined;
  const traced = otlpSink
    ? await startGateway(settings, sandbox.url, 'traced', { OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.url })
    : undefined;
  const servers: Record<TargetName, Child | undefined> = { direct: sandbox, baseline, gateway, traced };
  const pinned = pinToCpus({ servers: [baseline, gateway, traced], rest: [process.pid, sandbox.pid] });

  console.log(
    `\ncreateCoinEvent: ${settings.connections} connections, ${settings.durationS} s per target ` +
      `(+${settings.warmupS} s warm-up), ${settings.rounds} round(s); sandbox ${sandbox.url} pid ${sandbox.pid}` +
      (baseline ? `, baseline pid ${baseline.pid}` : '') +
      (gateway ? `, gateway (${settings.gatewayMode}) pid ${gateway.pid}` : '') +
      (traced ? `, traced gateway pid ${traced.pid}` : '') +
      (pinned ? '; servers pinned to CPU 0, load generator and sandbox to CPU 1' : '; processes not pinned'),
  );

  const loadBefore = loadavg();
  const all: TargetResult[] = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    if (settings.rounds > 1) console.log(`round ${round}/${settings.rounds}`);
    // Even rounds measure the gateway before the baseline, so neither always gets the later slot.
    // Likewise the traced gateway and the plain one swap places.
    const order = round % 2 === 0 ? ['direct', 'traced', 'gateway', 'baseline'] : ['direct', 'baseline', 'gateway', 'traced'];
    for (const target of order.filter((name) => settings.targets.includes(name as TargetName)) as TargetName[]) {
      all.push(await measure(target, servers[target]!, sandbox, settings, round));
    }
  }
  const loadAfter = loadavg();

  const chosen = new Map<TargetName, TargetResult>();
  for (const target of settings.targets) {
    const rounds = all.filter((r) => r.target === target);
    const picked = median(rounds);
    // RSS: the max over all rounds, not just the median one.
    chosen.set(target, { ...picked, serverRssMaxMB: Math.max(...rounds.map((r) => r.serverRssMaxMB)) });
  }
  const peakRss = {
    baseline: baseline ? round1((readPeakRssBytes(baseline.pid) ?? 0) / MB) : undefined,
    gateway: gateway ? round1((readPeakRssBytes(gateway.pid) ?? 0) / MB) : undefined,
  };

  const rows: string[][] = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'non-2xx', 'failed', 'RSS max MB', 'CPU s', 'CPU µs/req', 'sandbox CPU s'],
  ];
  for (const r of chosen.values()) {
    rows.push([
      r.target,
      r.requestsPerSecond.toFixed(0),
      String(r.latencyP50Ms),
      String(r.latencyP99Ms),
      String(r.requests),
      String(r.errors + r.timeouts),
      String(r.non2xx),
      String(r.failedResponses),
      r.target === 'direct' ? `(${r.serverRssMaxMB})` : r.serverRssMaxMB.toFixed(1),
      r.serverCpuSeconds.toFixed(2),
      String(r.serverCpuMicrosPerRequest),
      r.target === 'direct' ? '-' : r.sandboxCpuSeconds.toFixed(2),
    ]);
  }
  console.log(`\n${table(rows)}`);
  console.log(
    '  errors = socket errors + timeouts; failed = responses that were not a verified success (non-2xx included);\n' +
      '  RSS max / CPU = the server process under test (for direct: the sandbox); CPU µs/req = its CPU time per request.',
  );
  for (const r of chosen.values()) {
    for (const sample of r.failedSamples) console.log(`  ${r.target} failed response: ${sample}`);
  }

  const direct = chosen.get('direct');
  const base = chosen.get('baseline');
  const gw = chosen.get('gateway');
  const ratios: Record<string, number> = {};
  if (gw && direct) ratios.gatewayToDirectThroughput = round2(gw.requestsPerSecond / direct.requestsPerSecond);
  if (gw && base) {
    // Paired per round, then the median: robust against a neighbour's load burst in one round.
    const perRound = [];
    for (let round = 1; round <= settings.rounds; round += 1) {
      const g = all.find((r) => r.target === 'gateway' && r.round === round);
      const b = all.find((r) => r.target === 'baseline' && r.round === round);
      if (g && b && b.requestsPerSecond > 0) perRound.push(g.requestsPerSecond / b.requestsPerSecond);
    }
    perRound.sort((x, y) => x - y);
    ratios.gatewayToBaselineThroughput = round2(perRound[Math.floor(perRound.length / 2)] ?? 0);
    if (settings.rounds > 1) {
      console.log(`\ngateway/baseline throughput per round: ${perRound.map((ratio) => ratio.toFixed(2)).join(', ')} (median used)`);
    }
    if (base.serverCpuMicrosPerRequest > 0) {
      ratios.gatewayToBaselineCpuPerRequest = round2(gw.serverCpuMicrosPerRequest / base.serverCpuMicrosPerRequest);
    }
  }
  const tracedResult = chosen.get('traced');
  if (gw && tracedResult) {
    const perRound = pairedRatios(all, 'traced', 'gateway');
    ratios.tracedToGatewayThroughput = round2(perRound[Math.floor(perRound.length / 2)] ?? 0);
    if (perRound.length > 1) {
      console.log(`\ntraced/gateway throughput per round: ${perRound.map((ratio) => ratio.toFixed(2)).join(', ')} (median used)`);
    }
    if (gw.serverCpuMicrosPerRequest > 0) {
      ratios.tracedToGatewayCpuPerRequest = round2(tracedResult.serverCpuMicrosPerRequest / gw.serverCpuMicrosPerRequest);
    }
    console.log(`OTLP sink received ${Math.round((otlpSink?.spansBytes() ?? 0) / 1024)} KB of spans`);
  }
  if (base && direct) ratios.baselineToDirectThroughput = round2(base.requestsPerSecond / direct.requestsPerSecond);

  console.log('');
  if (ratios.gatewayToDirectThroughput !== undefined) console.log(`gateway/direct   throughput: ${ratios.gatewayToDirectThroughput.toFixed(2)}`);
  if (ratios.baselineToDirectThroughput !== undefined) console.log(`baseline/direct  throughput: ${ratios.baselineToDirectThroughput.toFixed(2)}`);
  if (ratios.gatewayToBaselineThroughput !== undefined) console.log(`gateway/baseline throughput: ${ratios.gatewayToBaselineThroughput.toFixed(2)}`);
  if (ratios.tracedToGatewayThroughput !== undefined) {
    console.log(`traced/gateway   throughput: ${ratios.tracedToGatewayThroughput.toFixed(2)} (tracing's cost)`);
  }
  if (ratios.tracedToGatewayCpuPerRequest !== undefined) {
    console.log(`traced/gateway   CPU per request: ${ratios.tracedToGatewayCpuPerRequest.toFixed(2)}`);
  }
  if (ratios.gatewayToBaselineCpuPerRequest !== undefined) {
    console.log(`gateway/baseline CPU per request: ${ratios.gatewayToBaselineCpuPerRequest.toFixed(2)} (lower is better; less sensitive to a busy machine)`);
  }
  console.log(
    `load average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)} on ${cpus().length} CPUs` +
      (loadAfter[0]! > cpus().length ? ' (busy machine: expect noisy figures; try BENCH_ROUNDS=3)' : ''),
  );
  if (peakRss.gateway !== undefined) console.log(`gateway peak RSS over its whole life (VmHWM): ${peakRss.gateway} MB`);

  const checks: Check[] = [];
  if (gw && base && ratios.gatewayToBaselineThroughput !== undefined) {
    checks.push({
      name: 'gateway throughput >= baseline',
      pass: ratios.gatewayToBaselineThroughput >= THROUGHPUT_PASS_RATIO,
      detail: `ratio ${ratios.gatewayToBaselineThroughput.toFixed(2)}; PASS at >= ${THROUGHPUT_PASS_RATIO.toFixed(2)}`,
    });
  }
  if (gw) {
    checks.push({
      name: `gateway RSS under load <= ${RSS_LIMIT_MB} MB`,
      pass: gw.serverRssMaxMB > 0 && gw.serverRssMaxMB <= RSS_LIMIT_MB,
      detail: `max ${gw.serverRssMaxMB} MB`,
    });
    checks.push({
      name: 'every gateway response is a GraphQL success',
      pass: gw.failedResponses === 0 && gw.errors + gw.timeouts === 0 && gw.requests > 0,
      detail: `${gw.requests - gw.failedResponses} ok, ${gw.failedResponses} failed, ${gw.errors + gw.timeouts} errors/timeouts`,
    });
  }
  if (ratios.tracedToGatewayThroughput !== undefined) {
    checks.push({
      name: 'tracing costs at most 15% of the throughput',
      pass: ratios.tracedToGatewayThroughput >= TRACING_PASS_RATIO,
      detail: `traced/gateway ${ratios.tracedToGatewayThroughput.toFixed(2)}; PASS at >= ${TRACING_PASS_RATIO.toFixed(2)}`,
    });
  }
  for (const r of chosen.values()) {
    if (r.target === 'gateway') continue;
    checks.push({
      name: `every ${r.target} response is a success`,
      pass: r.failedResponses === 0 && r.errors + r.timeouts === 0 && r.requests > 0,
      detail: `${r.requests - r.failedResponses} ok, ${r.failedResponses} failed, ${r.errors + r.timeouts} errors/timeouts`,
    });
  }
  console.log('');
  for (const check of checks) console.log(`${check.pass ? 'PASS' : 'FAIL'}  ${check.name}  (${check.detail})`);

  if (settings.out) {
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: { before: loadBefore[0], after: loadAfter[0] },
      settings: {
        durationS: settings.durationS,
        warmupS: settings.warmupS,
        connections: settings.connections,
        rounds: settings.rounds,
        gatewayMode: settings.gatewayMode,
        nodeArgs: settings.nodeArgs,
      },
      results: Object.fromEntries(chosen),
      rounds: all,
      ratios,
      gatewayPeakRssMB: peakRss.gateway,
      baselinePeakRssMB: peakRss.baseline,
      checks,
    };
    writeFileSync(settings.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nresults written to ${settings.out}`);
  }

  await stopChildren();
  otlpSink?.close();
  if (settings.strict && checks.some((check) => !check.pass)) process.exitCode = 1;
}

process.on('SIGINT', () => {
  void stopChildren().finally(() => process.exit(130));
});

main().catch(async (error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopChildren();
  process.exit(1);
});

/** `a`'s requests/s over `b`'s, per round (the two ran back to back), sorted. */
function pairedRatios(all: TargetResult[], a: TargetName, b: TargetName): number[] {
  const ratios: number[] = [];
  for (const resultA of all.filter((r) => r.target === a)) {
    const resultB = all.find((r) => r.target === b && r.round === resultA.round);
    if (resultB && resultB.requestsPerSecond > 0) ratios.push(resultA.requestsPerSecond / resultB.requestsPerSecond);
  }
  return ratios.sort((x, y) => x - y);
}
