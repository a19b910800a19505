// `npm run bench`: the gateway under load against its own yoga floor, in one run. Each server runs
// in its own process so that RSS and CPU are attributable (the load generator, autocannon, runs
// here). By default four scenarios, each measuring the floor and the gateway back to back:
//
//   create @ 50    createCoinEvent, 50 connections
//   create @ 500   createCoinEvent, 500 connections (the same processes, already warm)
//   mixed @ 50     what a frontend sends, in turn on every connection: allocateCoins selecting its
//                  balance, coinEvent, and coinEvents with a list of 20 ids (10 distinct, each
//                  twice): the gateway's loaders deduplicate and bound the fan-out, the floor sends
//                  one call per id
//   mixed @ 50, 50 ms  the same against an upstream answering each call 50 ms later, as a remote
//                  API does (BENCH_REMOTE_UPSTREAM_MS): what the calls saved and bounded are worth
//
// Targets: throughput >= 1.5x the floor at 50 and at 500 connections and in the mixed
// workload; the gateway's CPU per request at 500 at most 1.2x that at 50; its p99 at 500 below the
// floor's; its RSS <= 200 MB throughout; every response a verified success.
//
//   direct    the sandbox itself (the upstream call without a server in between), optional
//   baseline  the floor: a minimal graphql-yoga server whose resolvers make the same undici calls,
//             naively (test/bench/baseline-server.ts)
//   gateway   the real gateway, `node dist/main.js` (built with `npm run build`), COINS_API_URL
//             pointing at the sandbox
//   traced    the gateway with OpenTelemetry tracing on, optional (see BENCH_TARGETS)
//
// Every createCoinEvent request creates a distinct configuration (event EVENT_<n>, n unique over
// the whole run), so the sandbox never answers "duplicate"; every allocateCoins has a fresh
// requestId. The sandbox's state is reset (and, for the mixed workload, seeded with configurations)
// before each warm-up and each measurement; it records no requests but counts them, which gives
// the upstream calls per operation. Every response is checked: a GraphQL answer counts as a
// success only with the expected data and no errors; a direct answer only with response_code 0.
//
// Default run time: 8 measurements x (5 s warm-up + 10 s) = 120 s, about 2.5 minutes with start-up
// and the build; BENCH_ROUNDS=3 (advised on a busy machine) about 7 minutes.
//
// Environment:
//   BENCH_DURATION_S     measured seconds per target and scenario (default 10)
//   BENCH_WARMUP_S       warm-up seconds before each measurement, not measured (default 5, enough
//                        for the JIT to settle on the gateway's larger code; 0 = none)
//   BENCH_CONNECTIONS    createCoinEvent concurrency levels, comma-separated (default 50,500); with
//                        one level the 500-vs-50 targets are not judged
//   BENCH_MIXED_CONNECTIONS  connections of the mixed workload (default 50)
//   BENCH_WORKLOADS      comma list out of create,mixed (default both)
//   BENCH_ROUNDS         repeat everything N times (default 1); floor and gateway swap order every
//                        round; each figure in the table is the median over the rounds, and a
//                        gateway/floor ratio is the median of the per-round ratios (paired: the two
//                        ran back to back, on the same noise)
//   BENCH_TARGETS        comma list out of direct,baseline,gateway,traced (default baseline,gateway);
//                        direct runs for createCoinEvent only; traced = the gateway with OpenTelemetry
//                        tracing on, exporting http/protobuf to a local OTLP sink in this process:
//                        `BENCH_TARGETS=gateway,traced` reports tracing's cost (traced/gateway
//                        throughput, paired per round; aim >= 0.85)
//   BENCH_OUT            also write the results as JSON to this path
//   BENCH_GATEWAY_MODE   dist (default: `npm run build`, then node dist/main.js) or tsx
//                        (node --import tsx src/main.ts, when the build is broken; higher RSS)
//   BENCH_SKIP_BUILD=1   use the existing dist/ as is
//   BENCH_CPU_PROF=dir   run the gateway and baseline with --cpu-prof into dir/gateway, dir/baseline
//                        (summarise with: npx tsx test/bench/profile-summary.ts <file.cpuprofile>)
//   BENCH_NODE_ARGS      extra node flags for the gateway, space-separated (after npm start's V8
//                        heap flags, read from package.json, which the gateway always gets)
//   BENCH_FLOOR_NODE_ARGS  node flags for the floor (default none: Node's defaults, as a plain
//                        yoga server is run; e.g. --max-old-space-size=192 to give it the gateway's)
//   BENCH_STRICT=1       exit 1 when a target is missed (default: report only)
//   BENCH_PIN=0          do not pin processes to CPUs (default: with 2+ CPUs and taskset, the
//                        servers under test get CPU 0; load generator and sandbox share CPU 1)
//   BENCH_UPSTREAM_DELAY_MS  the sandbox answers every coins API call this much later (default 0);
//                        e.g. 20 for a realistic upstream, where the pool size bounds throughput
//   BENCH_REMOTE_UPSTREAM_MS  with BENCH_UPSTREAM_DELAY_MS=0, the mixed workload runs a second
//                        time against a sandbox answering this much later, as a remote API does
//                        (default 50; 0 = no second run)
//   COINS_API_MAX_CONNECTIONS  the gateway's upstream pool (its own default when unset); the floor
//                        always gets the same pool size

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { readPeakRssBytes, sampleProcess } from './proc-stats.js';
import { CREATE_PATH } from '../helpers/upstream-paths.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const AUTHORIZATION = 'Bearer bench-token';
const COMPANY_ID = 'BENCH_CO';
const AMOUNT = 100;

/** The performance targets the gateway is judged on (see the header). */
const THROUGHPUT_PASS_RATIO = 1.5;
const CPU_GROWTH_LIMIT = 1.2;
const RSS_LIMIT_MB = 200;
/** Tracing may cost at most 15% of the throughput. */
const TRACING_PASS_RATIO = 0.85;

type TargetName = 'direct' | 'baseline' | 'gateway' | 'traced';
const DEFAULT_TARGETS: readonly TargetName[] = ['baseline', 'gateway'];
const KNOWN_TARGETS: readonly TargetName[] = ['direct', 'baseline', 'gateway', 'traced'];

type WorkloadName = 'create' | 'mixed';
const KNOWN_WORKLOADS: readonly WorkloadName[] = ['create', 'mixed'];

interface Scenario {
  /** e.g. "create @ 50" */
  name: string;
  workload: WorkloadName;
  connections: number;
  targets: TargetName[];
  /** How much later the sandbox answers each coins API call (0 = at once). */
  upstreamDelayMs: number;
}

interface Settings {
  durationS: number;
  warmupS: number;
  createConnections: number[];
  mixedConnections: number;
  workloads: WorkloadName[];
  rounds: number;
  targets: TargetName[];
  out: string | undefined;
  gatewayMode: 'dist' | 'tsx';
  skipBuild: boolean;
  cpuProfDir: string | undefined;
  /** The gateway's node flags: npm start's V8 heap flags, then BENCH_NODE_ARGS. */
  nodeArgs: string[];
  /** The floor's node flags: BENCH_FLOOR_NODE_ARGS, else none (Node's defaults). */
  floorNodeArgs: string[];
  strict: boolean;
  /** The gateway's upstream pool size, given to the floor too. */
  upstreamConnections: number;
  /** Latency the sandbox adds to every coins API answer (0 = answers at once). */
  upstreamDelayMs: number;
  /** The latency of the mixed workload's second run, a remote upstream's (0 = no second run). */
  remoteUpstreamDelayMs: number;
}

function positiveNumber(name: string, fallback: number, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return parsePositive(name, raw, allowZero);
}

function parsePositive(name: string, raw: string, allowZero = false): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  }
  return value;
}

function list(name: string, fallback: readonly string[]): string[] {
  return (process.env[name] ?? fallback.join(','))
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function words(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((word) => word !== '');
}

function readSettings(): Settings {
  const targets = list('BENCH_TARGETS', DEFAULT_TARGETS);
  for (const name of targets) {
    if (!KNOWN_TARGETS.includes(name as TargetName)) {
      throw new Error(`BENCH_TARGETS: unknown target "${name}" (known: ${KNOWN_TARGETS.join(', ')})`);
    }
  }
  const workloads = list('BENCH_WORKLOADS', KNOWN_WORKLOADS);
  for (const name of workloads) {
    if (!KNOWN_WORKLOADS.includes(name as WorkloadName)) {
      throw new Error(`BENCH_WORKLOADS: unknown workload "${name}" (known: ${KNOWN_WORKLOADS.join(', ')})`);
    }
  }
  const gatewayMode = process.env.BENCH_GATEWAY_MODE ?? 'dist';
  if (gatewayMode !== 'dist' && gatewayMode !== 'tsx') {
    throw new Error(`BENCH_GATEWAY_MODE must be dist or tsx, got "${gatewayMode}"`);
  }
  const createConnections = [
    ...new Set(
      list('BENCH_CONNECTIONS', ['50', '500']).map((raw) => Math.round(parsePositive('BENCH_CONNECTIONS', raw))),
    ),
  ].sort((a, b) => a - b);
  return {
    durationS: positiveNumber('BENCH_DURATION_S', 10),
    warmupS: positiveNumber('BENCH_WARMUP_S', 5, true),
    createConnections,
    mixedConnections: Math.round(positiveNumber('BENCH_MIXED_CONNECTIONS', 50)),
    workloads: KNOWN_WORKLOADS.filter((name) => workloads.includes(name)),
    rounds: Math.round(positiveNumber('BENCH_ROUNDS', 1)),
    targets: KNOWN_TARGETS.filter((name) => targets.includes(name)),
    out: process.env.BENCH_OUT || undefined,
    gatewayMode,
    skipBuild: process.env.BENCH_SKIP_BUILD === '1',
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
    nodeArgs: [...productionHeapFlags(), ...words(process.env.BENCH_NODE_ARGS)],
    floorNodeArgs: words(process.env.BENCH_FLOOR_NODE_ARGS),
    strict: process.env.BENCH_STRICT === '1',
    upstreamDelayMs: positiveNumber('BENCH_UPSTREAM_DELAY_MS', 0, true),
    remoteUpstreamDelayMs: positiveNumber('BENCH_REMOTE_UPSTREAM_MS', 50, true),
    // The gateway's own default (or COINS_API_MAX_CONNECTIONS when set), read through its config.
    upstreamConnections: loadConfig({
      COINS_API_URL: 'http://127.0.0.1:1',
      COINS_API_MAX_CONNECTIONS: process.env.COINS_API_MAX_CONNECTIONS,
    }).maxConnections,
  };
}

function scenariosOf(settings: Settings): Scenario[] {
  const scenarios: Scenario[] = [];
  if (settings.workloads.includes('create')) {
    for (const connections of settings.createConnections) {
      scenarios.push({
        name: `create @ ${connections}`,
        workload: 'create',
        connections,
        targets: settings.targets,
        upstreamDelayMs: settings.upstreamDelayMs,
      });
    }
  }
  if (settings.workloads.includes('mixed')) {
    const mixed = {
      workload: 'mixed' as const,
      connections: settings.mixedConnections,
      // The sandbox alone has no GraphQL operations to serve.
      targets: settings.targets.filter((target) => target !== 'direct'),
    };
    scenarios.push({
      name: `mixed @ ${settings.mixedConnections}`,
      ...mixed,
      upstreamDelayMs: settings.upstreamDelayMs,
    });
    // The same workload against an upstream that answers as a remote API does: then the upstream
    // calls an operation makes, and how many it has in flight, cost time and pool connections.
    if (settings.upstreamDelayMs === 0 && settings.remoteUpstreamDelayMs > 0) {
      scenarios.push({
        name: `mixed @ ${settings.mixedConnections}, ${settings.remoteUpstreamDelayMs} ms`,
        ...mixed,
        upstreamDelayMs: settings.remoteUpstreamDelayMs,
      });
    }
  }
  return scenarios;
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
    const onExit = (code: number | null) =>
      fail(new Error(`${name} exited (code ${code}) before it was ready\n${output()}`));
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
    if (proc.exitCode !== null)
      throw new Error(`${name} exited (code ${proc.exitCode}) before it was ready\n${output()}`);
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

/**
 * The gateway runs with the V8 flags `npm start` gives it (read from package.json's start script),
 * so the figures are those of the gateway as deployed. The floor runs as a minimal yoga server is
 * run, with Node's defaults: its heap may grow as V8 likes (it reached 200-250 MB RSS here), where
 * the gateway holds itself to 192 MB of old generation.
 */
function productionHeapFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(scripts.start)?.[1] ?? '';
  return nodeOptions.split(/\s+/).filter((flag) => /^--max-[a-z-]+-size=\d+$/.test(flag));
}

/** Node flags for a server under test (the floor's or the gateway's), and --cpu-prof when BENCH_CPU_PROF is set. */
function nodeArgs(settings: Settings, name: string): string[] {
  const extra = name === 'baseline' ? settings.floorNodeArgs : settings.nodeArgs;
  if (!settings.cpuProfDir) return extra;
  // One directory per target, default file names: a process with a worker thread (tsx's loader
  // hooks) writes one profile per thread, and a fixed --cpu-prof-name would let them overwrite.
  const dir = resolve(settings.cpuProfDir, name);
  mkdirSync(dir, { recursive: true });
  return [...extra, '--cpu-prof', '--cpu-prof-dir', dir];
}

/** The coins API requests the sandbox has received so far (test/bench/sandbox-process.ts counts them). */
function sandboxRequestCount(sandbox: Child): Promise<number> {
  return new Promise((resolveCount, reject) => {
    const timer = setTimeout(() => {
      sandbox.proc.off('message', onMessage);
      reject(new Error('the sandbox did not report its request count within 5 s'));
    }, 5_000);
    const onMessage = (message: unknown) => {
      const m = message as { type?: unknown; value?: unknown };
      if (m.type !== 'count' || typeof m.value !== 'number') return;
      clearTimeout(timer);
      sandbox.proc.off('message', onMessage);
      resolveCount(m.value);
    };
    sandbox.proc.on('message', onMessage);
    sandbox.proc.send({ type: 'count' });
  });
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
    { UPSTREAM_URL: upstreamUrl, UPSTREAM_CONNECTIONS: String(settings.upstreamConnections) },
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
    COINS_API_MAX_CONNECTIONS: String(settings.upstreamConnections),
    PORT: String(port),
    // Metrics are always collected; the listener itself is not under test (and 9464 may be taken).
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    // npm start's default: the access log line of every request is part of the cost measured.
    LOG_LEVEL: 'info',
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

const CREATE_MUTATION =
  'mutation CreateCoinEvent($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId configuration companyId event amount } }';
const ALLOCATE_MUTATION =
  'mutation AllocateCoins($input: AllocateCoinsInput!) { allocateCoins(input: $input) { requestId message balance { userId coins } } }';
const COIN_EVENT_QUERY =
  'query CoinEvent($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId configuration companyId event amount } }';
const COIN_EVENTS_QUERY =
  'query CoinEvents($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId configuration companyId event amount } }';

/** The mixed workload reads and allocates against this many seeded configurations, for this many users. */
const SEEDED_CONFIGS = 50;
const MIXED_USERS = 200;
/** coinEvents asks for LIST_DISTINCT ids, each LIST_REPEATS times, shuffled: 20 ids. */
const LIST_DISTINCT = 10;
const LIST_REPEATS = 2;

/** n is unique over the whole run: every create makes a distinct (companyId, event), every allocation a new requestId. */
let sequence = 0;

function nextInput() {
  sequence += 1;
  return { configuration: 'DEFAULT', companyId: COMPANY_ID, event: `EVENT_${sequence}`, amount: AMOUNT };
}

/** The configurations seeded for the mixed workload (replaced on every seeding). */
let seeded: { coinConfigId: string; event: string }[] = [];

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function coinEventsIds(): string[] {
  const distinct = new Set<string>();
  while (distinct.size < Math.min(LIST_DISTINCT, seeded.length)) distinct.add(pick(seeded).coinConfigId);
  const ids = [...distinct].flatMap((id) => Array<string>(LIST_REPEATS).fill(id));
  for (let i = ids.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

interface Verdicts {
  ok: number;
  failed: number;
  /** Up to three examples of responses that were not a verified success. */
  samples: string[];
}

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: unknown;
}

/** One kind of request a connection sends: its body (remembering what to expect) and its check. */
interface RequestKind {
  path: string;
  body(context: Record<string, unknown>): string;
  isSuccess(body: string, context: Record<string, unknown>): boolean;
}

function graphqlData(body: string): Record<string, unknown> | undefined {
  const parsed = JSON.parse(body) as GraphqlAnswer;
  return parsed.errors === undefined && parsed.data ? parsed.data : undefined;
}

const isConfig = (value: unknown, id?: unknown): boolean => {
  const config = value as { coinConfigId?: unknown; amount?: unknown } | null;
  return (
    typeof config?.coinConfigId === 'string' &&
    typeof config.amount === 'number' &&
    (id === undefined || config.coinConfigId === id)
  );
};

const DIRECT_CREATE: RequestKind = {
  path: CREATE_PATH,
  body: () => JSON.stringify(nextInput()),
  isSuccess: (body) => {
    const parsed = JSON.parse(body) as { response_code?: unknown; payload?: unknown };
    return parsed.response_code === 0 && isConfig(parsed.payload);
  },
};

const CREATE: RequestKind = {
  path: '/graphql',
  body: () => JSON.stringify({ query: CREATE_MUTATION, variables: { input: nextInput() } }),
  isSuccess: (body) => isConfig(graphqlData(body)?.createCoinEvent),
};

const ALLOCATE: RequestKind = {
  path: '/graphql',
  body: (context) => {
    sequence += 1;
    const config = pick(seeded);
    const userId = `USER_${sequence % MIXED_USERS}`;
    context.userId = userId;
    const input = { companyId: COMPANY_ID, event: config.event, userId, requestId: `REQ_${sequence}` };
    return JSON.stringify({ query: ALLOCATE_MUTATION, variables: { input } });
  },
  isSuccess: (body, context) => {
    const allocation = graphqlData(body)?.allocateCoins as
      | { balance?: { userId?: unknown; coins?: unknown } }
      | undefined;
    const balance = allocation?.balance;
    return balance !== undefined && balance.userId === context.userId && typeof balance.coins === 'number';
  },
};

const COIN_EVENT: RequestKind = {
  path: '/graphql',
  body: (context) => {
    const id = pick(seeded).coinConfigId;
    context.id = id;
    return JSON.stringify({ query: COIN_EVENT_QUERY, variables: { id } });
  },
  isSuccess: (body, context) => isConfig(graphqlData(body)?.coinEvent, context.id),
};

const COIN_EVENTS: RequestKind = {
  path: '/graphql',
  body: (context) => {
    const ids = coinEventsIds();
    context.ids = ids;
    return JSON.stringify({ query: COIN_EVENTS_QUERY, variables: { ids } });
  },
  isSuccess: (body, context) => {
    const configs = graphqlData(body)?.coinEvents;
    const ids = context.ids as string[];
    return (
      Array.isArray(configs) && configs.length === ids.length && configs.every((config, i) => isConfig(config, ids[i]))
    );
  },
};

/** What one connection sends, in turn. */
function requestKinds(workload: WorkloadName, target: TargetName): RequestKind[] {
  if (workload === 'mixed') return [ALLOCATE, COIN_EVENT, COIN_EVENTS];
  return [target === 'direct' ? DIRECT_CREATE : CREATE];
}

async function sandboxReset(sandboxUrl: string): Promise<void> {
  const response = await fetch(`${sandboxUrl}/__sandbox/reset`, { method: 'POST' });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`sandbox reset answered ${response.status}`);
}

/**
 * A fresh sandbox; for the mixed workload, with SEEDED_CONFIGS configurations to read and allocate
 * against; with BENCH_UPSTREAM_DELAY_MS, answering every coins API call that much later (as a real
 * upstream over a network would: then the pool size bounds the upstream calls per second).
 */
async function prepareSandbox(sandboxUrl: string, workload: WorkloadName, delayMs: number): Promise<void> {
  await sandboxReset(sandboxUrl);
  if (delayMs > 0) {
    const response = await fetch(`${sandboxUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: { kind: 'delay', ms: delayMs }, times: 'Infinity' }),
    });
    await response.arrayBuffer();
    if (response.status !== 204) throw new Error(`sandbox fault injection answered ${response.status}`);
  }
  if (workload !== 'mixed') return;
  const configs = [];
  for (let i = 0; i < SEEDED_CONFIGS; i += 1) {
    const response = await fetch(`${sandboxUrl}${CREATE_PATH}`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ configuration: 'DEFAULT', companyId: COMPANY_ID, event: `MIXED_${i}`, amount: 5 }),
    });
    const envelope = (await response.json()) as { response_code?: unknown; payload?: { coinConfigId?: unknown } };
    if (envelope.response_code !== 0 || typeof envelope.payload?.coinConfigId !== 'string') {
      throw new Error(`seeding the sandbox failed: ${JSON.stringify(envelope)}`);
    }
    configs.push({ coinConfigId: envelope.payload.coinConfigId, event: `MIXED_${i}` });
  }
  seeded = configs;
}

async function load(workload: WorkloadName, target: TargetName, url: string, seconds: number, connections: number) {
  const verdicts: Verdicts = { ok: 0, failed: 0, samples: [] };
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
    requests: requestKinds(workload, target).map(
      (kind): autocannon.Request => ({
        method: 'POST',
        path: kind.path,
        setupRequest: (request, context) => ({ ...request, body: kind.body(context as Record<string, unknown>) }),
        onResponse: (status, body, context) => {
          let success = false;
          try {
            success = status === 200 && kind.isSuccess(body, context as Record<string, unknown>);
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
      }),
    ),
  });
  return { result, verdicts };
}

interface TargetResult {
  scenario: string;
  workload: WorkloadName;
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
  /** Coins API requests the sandbox received per answered request, in the measured window. */
  upstreamCallsPerRequest: number;
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

/**
 * autocannon stops by closing its connections, but the server still finishes the operations it
 * had started (at 500 connections on a busy machine, seconds of work): the next measurement must
 * not pay for them. Drained = the sandbox saw no new request for 300 ms.
 */
async function waitUntilDrained(sandbox: Child): Promise<void> {
  const deadline = Date.now() + 30_000;
  let previous = await sandboxRequestCount(sandbox);
  let quietSince = Date.now();
  while (Date.now() - quietSince < 300 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    const current = await sandboxRequestCount(sandbox);
    if (current !== previous) quietSince = Date.now();
    previous = current;
  }
}

async function measure(
  scenario: Scenario,
  target: TargetName,
  server: Child,
  sandbox: Child,
  settings: Settings,
  round: number,
): Promise<TargetResult> {
  const url = target === 'direct' ? sandbox.url : server.url;
  const label = `  ${scenario.name.padEnd(13)} ${target.padEnd(8)}`;
  await prepareSandbox(sandbox.url, scenario.workload, scenario.upstreamDelayMs);
  if (settings.warmupS > 0) {
    process.stdout.write(`${label} warm-up ${settings.warmupS} s ... `);
    await load(scenario.workload, target, url, settings.warmupS, scenario.connections);
    await waitUntilDrained(sandbox);
    await prepareSandbox(sandbox.url, scenario.workload, scenario.upstreamDelayMs);
  } else {
    process.stdout.write(`${label} `);
  }
  process.stdout.write(`measuring ${settings.durationS} s ... `);
  const serverSampler = sampleProcess(server.pid);
  const sandboxSampler = target === 'direct' ? undefined : sampleProcess(sandbox.pid);
  const loadgenCpuStart = process.cpuUsage();
  const upstreamBefore = await sandboxRequestCount(sandbox);
  const { result, verdicts } = await load(scenario.workload, target, url, settings.durationS, scenario.connections);
  const upstreamCalls = (await sandboxRequestCount(sandbox)) - upstreamBefore;
  const loadgenCpu = process.cpuUsage(loadgenCpuStart);
  const serverSample = serverSampler.stop();
  const sandboxSample = sandboxSampler?.stop() ?? serverSample;
  // The operations still in flight must not land in the next target's measurement.
  await waitUntilDrained(sandbox);
  const requests = result.requests.total;
  console.log(`${Math.round(result.requests.average)} req/s`);
  return {
    scenario: scenario.name,
    workload: scenario.workload,
    target,
    round,
    durationS: settings.durationS,
    connections: scenario.connections,
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
    upstreamCallsPerRequest: requests > 0 ? round2(upstreamCalls / requests) : 0,
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

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** One row of the table: each figure the median over the rounds, RSS the max, counts summed. */
interface Summary {
  scenario: string;
  workload: WorkloadName;
  target: TargetName;
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuMicrosPerRequest: number;
  rssMaxMB: number;
  upstreamCallsPerRequest: number;
  requests: number;
  /** Socket errors, timeouts and responses that were not a verified success, over all rounds. */
  failures: number;
  failedSamples: string[];
}

function summarise(results: TargetResult[]): Summary {
  const first = results[0]!;
  return {
    scenario: first.scenario,
    workload: first.workload,
    target: first.target,
    connections: first.connections,
    requestsPerSecond: medianOf(results.map((r) => r.requestsPerSecond)),
    latencyP50Ms: medianOf(results.map((r) => r.latencyP50Ms)),
    latencyP99Ms: medianOf(results.map((r) => r.latencyP99Ms)),
    cpuMicrosPerRequest: medianOf(results.map((r) => r.serverCpuMicrosPerRequest)),
    rssMaxMB: Math.max(...results.map((r) => r.serverRssMaxMB)),
    upstreamCallsPerRequest: medianOf(results.map((r) => r.upstreamCallsPerRequest)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    failures: results.reduce((sum, r) => sum + r.failedResponses + r.errors + r.timeouts, 0),
    failedSamples: results.flatMap((r) => r.failedSamples).slice(0, 3),
  };
}

/** `a`'s requests/s over `b`'s in one scenario, per round (the two ran back to back), sorted. */
function pairedRatios(all: TargetResult[], scenario: string, a: TargetName, b: TargetName): number[] {
  const ratios: number[] = [];
  for (const resultA of all.filter((r) => r.scenario === scenario && r.target === a)) {
    const resultB = all.find((r) => r.scenario === scenario && r.target === b && r.round === resultA.round);
    if (resultB && resultB.requestsPerSecond > 0) ratios.push(resultA.requestsPerSecond / resultB.requestsPerSecond);
  }
  return ratios.sort((x, y) => x - y);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row, index) => {
      const line = row
        .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ');
      return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/** The performance targets, judged on the summaries (medians) and the paired ratios. */
function judge(
  scenarios: Scenario[],
  summaries: Summary[],
  all: TargetResult[],
): { checks: Check[]; ratios: Record<string, number> } {
  const checks: Check[] = [];
  const ratios: Record<string, number> = {};
  const find = (scenario: Scenario | undefined, target: TargetName) =>
    summaries.find((s) => s.scenario === scenario?.name && s.target === target);
  /**
   * Per scenario where both ran: the median over rounds of the paired throughput ratio
   * numerator/denominator, recorded under `label` and judged by `check`.
   */
  const judgeThroughputRatio = (
    numerator: TargetName,
    denominator: TargetName,
    label: string,
    check: (scenario: Scenario, ratio: number, perRound: number[]) => Check,
  ) => {
    for (const scenario of scenarios) {
      const perRound = pairedRatios(all, scenario.name, numerator, denominator);
      if (perRound.length === 0) continue;
      const ratio = round2(medianOf(perRound));
      ratios[`${scenario.name}: ${label} throughput`] = ratio;
      checks.push(check(scenario, ratio, perRound));
    }
  };

  judgeThroughputRatio('gateway', 'baseline', 'gateway/floor', (scenario, ratio, perRound) => ({
    name: `${scenario.name}: gateway throughput >= ${THROUGHPUT_PASS_RATIO}x the floor`,
    pass: ratio >= THROUGHPUT_PASS_RATIO,
    detail:
      `${ratio.toFixed(2)}x` + (perRound.length > 1 ? ` (rounds ${perRound.map((r) => r.toFixed(2)).join(', ')})` : ''),
  }));

  const creates = scenarios.filter((s) => s.workload === 'create');
  const low = creates[0];
  const high = creates.length > 1 ? creates[creates.length - 1] : undefined;
  const gatewayLow = find(low, 'gateway');
  const gatewayHigh = find(high, 'gateway');
  if (low && high && gatewayLow && gatewayHigh) {
    const growth =
      gatewayLow.cpuMicrosPerRequest > 0 ? round2(gatewayHigh.cpuMicrosPerRequest / gatewayLow.cpuMicrosPerRequest) : 0;
    ratios[`gateway CPU/request ${high.connections}/${low.connections}`] = growth;
    checks.push({
      name: `gateway CPU/request at ${high.connections} <= ${CPU_GROWTH_LIMIT}x that at ${low.connections} connections`,
      pass: growth > 0 && gatewayHigh.cpuMicrosPerRequest > 0 && growth <= CPU_GROWTH_LIMIT,
      detail: `${gatewayHigh.cpuMicrosPerRequest} / ${gatewayLow.cpuMicrosPerRequest} µs = ${growth.toFixed(2)}x`,
    });
  }
  const floorHigh = find(high, 'baseline');
  if (high && gatewayHigh && floorHigh) {
    checks.push({
      name: `${high.name}: gateway p99 below the floor's`,
      pass: gatewayHigh.requests > 0 && gatewayHigh.latencyP99Ms < floorHigh.latencyP99Ms,
      detail: `${gatewayHigh.latencyP99Ms} ms vs ${floorHigh.latencyP99Ms} ms`,
    });
  }

  const gateways = summaries.filter((s) => s.target === 'gateway');
  if (gateways.length > 0) {
    const rss = Math.max(...gateways.map((s) => s.rssMaxMB));
    checks.push({
      name: `gateway RSS under load <= ${RSS_LIMIT_MB} MB`,
      pass: rss > 0 && rss <= RSS_LIMIT_MB,
      detail: `max ${rss} MB over every scenario`,
    });
  }
  for (const target of KNOWN_TARGETS) {
    const rows = summaries.filter((s) => s.target === target);
    if (rows.length === 0) continue;
    const requests = rows.reduce((sum, s) => sum + s.requests, 0);
    const failures = rows.reduce((sum, s) => sum + s.failures, 0);
    const idle = rows.filter((s) => s.requests === 0).map((s) => s.scenario);
    checks.push({
      name: `every ${target === 'baseline' ? 'floor' : target} response is a verified success`,
      pass: failures === 0 && idle.length === 0,
      detail:
        `${requests - failures} ok, ${failures} failed (errors, timeouts, wrong answers)` +
        (idle.length > 0 ? `; no answer at all in ${idle.join(', ')}` : ''),
    });
  }

  judgeThroughputRatio('traced', 'gateway', 'traced/gateway', (scenario, ratio) => ({
    name: `${scenario.name}: tracing costs at most 15% of the throughput`,
    pass: ratio >= TRACING_PASS_RATIO,
    detail: `traced/gateway ${ratio.toFixed(2)}; PASS at >= ${TRACING_PASS_RATIO.toFixed(2)}`,
  }));
  return { checks, ratios };
}

/**
 * With the load generator, the sandbox and the server under test on the same two cores, the
 * measured ratio swings by ±20 % from run to run. Giving the servers a core of their own makes the
 * server under test the bottleneck it is meant to be, and the comparison repeatable (only one
 * server is under load at a time; the others idle).
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
  const scenarios = scenariosOf(settings);
  if (scenarios.length === 0) throw new Error('nothing to measure: check BENCH_WORKLOADS and BENCH_TARGETS');
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
    `\n${scenarios.map((s) => s.name).join(', ')}: ${settings.durationS} s per target (+${settings.warmupS} s warm-up), ` +
      `${settings.rounds} round(s); upstream pool ${settings.upstreamConnections} connections (floor and gateway)` +
      `${settings.upstreamDelayMs > 0 ? `, upstream answers after ${settings.upstreamDelayMs} ms` : ''}; ` +
      `gateway node flags ${settings.nodeArgs.join(' ') || '(none)'}, floor node flags ${settings.floorNodeArgs.join(' ') || "(none: Node's defaults)"}\nsandbox pid ${sandbox.pid}` +
      (baseline ? `, floor pid ${baseline.pid}` : '') +
      (gateway ? `, gateway (${settings.gatewayMode}) pid ${gateway.pid}` : '') +
      (traced ? `, traced gateway pid ${traced.pid}` : '') +
      (pinned ? '; servers pinned to CPU 0, load generator and sandbox to CPU 1' : '; processes not pinned'),
  );

  const loadBefore = loadavg();
  const all: TargetResult[] = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    if (settings.rounds > 1) console.log(`round ${round}/${settings.rounds}`);
    // Even rounds measure the gateway before the floor, so neither always gets the later slot.
    // Likewise the traced gateway and the plain one swap places.
    const order: TargetName[] =
      round % 2 === 0 ? ['direct', 'traced', 'gateway', 'baseline'] : ['direct', 'baseline', 'gateway', 'traced'];
    for (const scenario of scenarios) {
      for (const target of order.filter((name) => scenario.targets.includes(name))) {
        all.push(await measure(scenario, target, servers[target]!, sandbox, settings, round));
      }
    }
  }
  const loadAfter = loadavg();

  const summaries: Summary[] = [];
  for (const scenario of scenarios) {
    for (const target of KNOWN_TARGETS) {
      const results = all.filter((r) => r.scenario === scenario.name && r.target === target);
      if (results.length > 0) summaries.push(summarise(results));
    }
  }
  const { checks, ratios } = judge(scenarios, summaries, all);

  const rows: string[][] = [
    [
      'scenario',
      'target',
      'req/s',
      'x floor',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'RSS max MB',
      'upstream/op',
      'requests',
      'failed',
    ],
  ];
  for (const s of summaries) {
    const versusFloor = s.target === 'gateway' ? ratios[`${s.scenario}: gateway/floor throughput`] : undefined;
    rows.push([
      s.scenario,
      s.target === 'baseline' ? 'floor' : s.target,
      s.requestsPerSecond.toFixed(0),
      versusFloor === undefined ? '' : `${versusFloor.toFixed(2)}x`,
      String(s.latencyP50Ms),
      String(s.latencyP99Ms),
      String(s.cpuMicrosPerRequest),
      s.target === 'direct' ? `(${s.rssMaxMB})` : s.rssMaxMB.toFixed(1),
      s.upstreamCallsPerRequest.toFixed(2),
      String(s.requests),
      String(s.failures),
    ]);
  }
  console.log(`\n${table(rows)}`);
  console.log(
    `  ${settings.rounds > 1 ? `medians over ${settings.rounds} rounds (x floor: median of the paired per-round ratios); ` : ''}` +
      'CPU µs/req and RSS: the server process under test (for direct: the sandbox);\n' +
      '  upstream/op: coins API requests per answered request; failed: socket errors, timeouts and responses\n' +
      '  that were not a verified success.',
  );
  for (const s of summaries) {
    for (const sample of s.failedSamples) console.log(`  ${s.scenario} ${s.target} failed response: ${sample}`);
  }
  const busy = Math.max(loadBefore[0]!, loadAfter[0]!) > cpus().length;
  console.log(
    `\nload average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)} on ${cpus().length} CPUs` +
      (busy
        ? ' (busy machine: the figures are noisy, the verdict is not trustworthy; try BENCH_ROUNDS=3 on a quiet machine)'
        : ''),
  );
  if (gateway)
    console.log(
      `gateway peak RSS over its whole life (VmHWM): ${round1((readPeakRssBytes(gateway.pid) ?? 0) / MB)} MB`,
    );
  if (otlpSink) console.log(`OTLP sink received ${Math.round(otlpSink.spansBytes() / 1024)} KB of spans`);
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
        scenarios: scenarios.map((s) => s.name),
        rounds: settings.rounds,
        gatewayMode: settings.gatewayMode,
        nodeArgs: settings.nodeArgs,
        floorNodeArgs: settings.floorNodeArgs,
        upstreamConnections: settings.upstreamConnections,
        upstreamDelayMs: settings.upstreamDelayMs,
        remoteUpstreamDelayMs: settings.remoteUpstreamDelayMs,
      },
      summaries,
      rounds: all,
      ratios,
      gatewayPeakRssMB: gateway ? round1((readPeakRssBytes(gateway.pid) ?? 0) / MB) : undefined,
      baselinePeakRssMB: baseline ? round1((readPeakRssBytes(baseline.pid) ?? 0) / MB) : undefined,
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
