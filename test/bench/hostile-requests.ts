// The worst known requests against the gateway as `npm start` runs it (dist/main.js,
// --max-old-space-size=192, built-in sandbox): wall time of each scenario, the process's peak RSS,
// and whether it survived. Run `npm run build` first, then `npx tsx test/bench/hostile-requests.ts`.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { amplificationDocument, hugeNameDocument } from '../helpers/hostile-documents.js';
import { readPeakRssBytes, readRssBytes } from './proc-stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUTH = 'Bearer bench-token';

interface Gateway {
  pid: number;
  url: string;
  exited: () => boolean;
  stop: () => void;
}

async function startGateway(): Promise<Gateway> {
  const child = spawn(process.execPath, ['--max-old-space-size=192', 'dist/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stderr.on('data', (chunk: Buffer) =>
    process.stderr.write(`[gateway stderr] ${chunk.toString().slice(0, 300)}\n`),
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      const match = /GraphQL and GraphiQL at (\S+)\/graphql/.exec(text);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error('gateway exited before listening')));
  });
  return { pid: child.pid!, url, exited: () => exited, stop: () => child.kill('SIGKILL') };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: Math.round(performance.now() - started), result };
}

async function post(url: string, body: unknown): Promise<string> {
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: AUTH },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? '-';
    return `${response.status} ${code} ${(text.length / 1e6).toFixed(2)} MB`;
  } catch (error) {
    return `failed: ${String((error as { cause?: { code?: string } }).cause?.code ?? error)}`;
  }
}

async function graphiql(url: string, headers: Record<string, string> = {}): Promise<string> {
  try {
    const response = await fetch(`${url}/graphql`, { headers: { accept: 'text/html', ...headers } });
    await response.arrayBuffer();
    // fetch decompresses: the bytes on the wire are in Content-Length.
    const sent = Number(response.headers.get('content-length'));
    return `${response.status} ${response.headers.get('content-encoding') ?? 'identity'} ${(sent / 1e6).toFixed(2)} MB`;
  } catch (error) {
    return `failed: ${String((error as { cause?: { code?: string } }).cause?.code ?? error)}`;
  }
}

const scenarios: Array<{ name: string; run: (url: string) => Promise<string[]> }> = [
  { name: '1 request: 1 MB name + $x x150', run: async (url) => [await post(url, { query: hugeNameDocument() })] },
  {
    name: '4 concurrent: 1 MB name + $x x150',
    run: (url) => Promise.all(Array.from({ length: 4 }, () => post(url, { query: hugeNameDocument() }))),
  },
  { name: '1 GraphiQL page load', run: async (url) => [await graphiql(url, { 'accept-encoding': 'identity' })] },
  {
    name: '1 GraphiQL page load (br, gzip)',
    run: async (url) => [await graphiql(url, { 'accept-encoding': 'gzip, br' })],
  },
  {
    name: '8 concurrent GraphiQL page loads',
    run: (url) => Promise.all(Array.from({ length: 8 }, () => graphiql(url, { 'accept-encoding': 'identity' }))),
  },
  {
    name: '8 concurrent GraphiQL page loads (br, gzip)',
    run: (url) => Promise.all(Array.from({ length: 8 }, () => graphiql(url, { 'accept-encoding': 'gzip, br' }))),
  },
  {
    name: '20 aliases x coinEvents(100 ids)',
    run: async (url) => [await post(url, { query: amplificationDocument() })],
  },
];

for (const scenario of scenarios) {
  const gateway = await startGateway();
  const rssBefore = readRssBytes(gateway.pid) ?? 0;
  // Sampled too: a process that dies takes its VmHWM with it.
  let sampledPeak = rssBefore;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, readRssBytes(gateway.pid) ?? 0)), 10);
  const { ms, result } = await timed(() => scenario.run(gateway.url));
  clearInterval(sampler);
  const peak = readPeakRssBytes(gateway.pid) ?? sampledPeak;
  const alive =
    !gateway.exited() &&
    (await fetch(`${gateway.url}/health`).then(
      (r) => r.status,
      () => 0,
    )) === 200;
  const answers = [...new Set(result)].map((r) => `${result.filter((x) => x === r).length}× ${r}`).join('; ');
  console.log(
    `${scenario.name}: ${ms} ms, RSS at start ${(rssBefore / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB, alive after: ${alive}; answers: ${answers}`,
  );
  gateway.stop();
}
