// `npm run bench:layers`: CPU per request of the GraphQL layer alone, in one process: no sockets,
// no Node HTTP server, no undici, no load generator competing for the CPU. The gateway
// (createGateway with every plugin, the real coins client, resilience, observer and response
// decision) and a plain yoga server with naive resolvers (the floor of `npm run bench`, minus its
// transport) both call a transport that answers at once, driven through yoga's fetch at a fixed
// concurrency. Where `npm run bench` says how the whole process compares, this says how much of
// it is the GraphQL layer's own work, with far less noise (the CPU time of this process only).
//
//   npm run bench:layers -- [create|list] [requests per round] [concurrency]
//
// create: createCoinEvent, one upstream call each. list: coinEvents with 20 ids, 10 distinct (the
// gateway's loaders make 10 calls, the floor 20). Three measured rounds after a warm-up,
// alternating; the median is shown. For comparing code versions on one machine, not absolute.
//
// BENCH_ALLOC=1: then also the bytes each allocates per request (one more round of each under
// V8's sampling heap profiler, collected objects included), by package and by function.

import { createSchema, createYoga } from 'graphql-yoga';
import { profileAllocation } from './allocation-profile.js';
import { createLogger } from '../../src/logging/logger.js';
import { createCoinsClient } from '../../src/upstream/coins-client.js';
import type { HttpRequest, HttpTransport } from '../../src/upstream/http-transport.js';
import { createForwardingGateway } from '../helpers/forwarding-gateway.js';
import { testResilience } from '../helpers/upstream-fakes.js';

if (process.env.NODE_ENV !== 'production') {
  // graphql-js's development-mode checks (instanceOf) would be a large, unreal share.
  console.error('run it as npm run bench:layers (NODE_ENV=production, as npm start runs)');
  process.exit(2);
}

type Workload = 'create' | 'list';
const workload = (process.argv[2] ?? 'create') as Workload;
if (workload !== 'create' && workload !== 'list') throw new Error(`unknown workload "${workload}" (create or list)`);
const perRound = Number(process.argv[3] ?? 20_000);
const concurrency = Number(process.argv[4] ?? 50);

const CREATE = {
  query:
    'mutation CreateCoinEvent($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId configuration companyId event amount } }',
  variables: (n: number) => ({
    input: { configuration: 'DEFAULT', companyId: 'BENCH_CO', event: `EVENT_${n}`, amount: 5 },
  }),
};
const LIST = {
  query:
    'query CoinEvents($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { coinConfigId configuration companyId event amount } }',
  // 20 ids, each of 10 distinct ones twice, new ones every request.
  variables: (n: number) => ({ ids: Array.from({ length: 20 }, (_, k) => `WCC${n}X${k % 10}`) }),
};
const operation = workload === 'create' ? CREATE : LIST;

/** The coins API's answer: Create echoes its body with an id, Get the configuration of its id. */
function answerTo(request: Pick<HttpRequest, 'path' | 'body'>): string {
  const config = request.body
    ? { coinConfigId: 'WCC1', ...(JSON.parse(request.body) as object) }
    : {
        coinConfigId: decodeURIComponent(request.path.slice(request.path.lastIndexOf('/') + 1)),
        configuration: 'DEFAULT',
        companyId: 'BENCH_CO',
        event: 'E',
        amount: 5,
      };
  return JSON.stringify({ response_code: 0, response_message: 'Success', payload: config });
}
const transport: HttpTransport = {
  send: async (request) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: answerTo(request) }),
  close: async () => {},
};

function createGatewayUnderTest() {
  const logger = createLogger('silent');
  const resilience = testResilience();
  return createForwardingGateway(
    createCoinsClient({ transport, resilience, timeoutMs: 10_000, logger }),
    logger,
    resilience.breakerState,
  );
}

/** The floor's resolvers: one call per id, no loader, no validation, no mapping. */
function createFloor() {
  const call = async (path: string, body?: string) =>
    (
      JSON.parse(
        (await transport.send({ method: body ? 'POST' : 'GET', path, headers: {}, body } as HttpRequest)).body,
      ) as { payload: unknown }
    ).payload;
  return createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        enum CoinConfiguration { DEFAULT CUSTOM }
        type CoinConfig { coinConfigId: ID! configuration: CoinConfiguration! companyId: String! event: String! amount: Int! }
        input CreateCoinEventInput { configuration: CoinConfiguration! companyId: String! event: String! amount: Int! }
        type Query { coinEvents(coinConfigIds: [ID!]!): [CoinConfig]! }
        type Mutation { createCoinEvent(input: CreateCoinEventInput!): CoinConfig! }`,
      resolvers: {
        Query: {
          coinEvents: (_: unknown, args: { coinConfigIds: string[] }) =>
            args.coinConfigIds.map((id) => call(`/coins/${id}`)),
        },
        Mutation: {
          createCoinEvent: (_: unknown, args: { input: object }) => call('/create', JSON.stringify(args.input)),
        },
      },
    }),
    graphiql: false,
    landingPage: false,
    logging: false,
  });
}

interface Handler {
  fetch(url: string, init: RequestInit): Response | Promise<Response>;
}

async function request(handler: Handler, n: number): Promise<void> {
  const response = await handler.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: 'Bearer bench',
    },
    body: JSON.stringify({ query: operation.query, variables: operation.variables(n) }),
  });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`not a success: ${text.slice(0, 500)}`);
}

/** CPU µs per request over `count` requests, `concurrency` at a time. */
async function measure(handler: Handler, count: number): Promise<number> {
  let next = 0;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await request(handler, next++);
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

const targets: Array<[string, Handler]> = [
  ['floor', createFloor()],
  ['gateway', createGatewayUnderTest()],
];
for (const [, handler] of targets) await measure(handler, Math.min(perRound, 5_000)); // warm-up
const results = new Map<string, number[]>(targets.map(([name]) => [name, []]));
for (let round = 0; round < 3; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const [name, handler] of order) results.get(name)?.push(await measure(handler, perRound));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(`${workload}: ${perRound} requests per round, ${concurrency} at a time, CPU µs per request (median of 3)`);
for (const [name, values] of results) {
  console.log(
    `  ${name.padEnd(8)} ${median(values).toFixed(1).padStart(7)}   rounds: ${values.map((v) => v.toFixed(1)).join(', ')}`,
  );
}
const [floor, gateway] = [median(results.get('floor') ?? []), median(results.get('gateway') ?? [])];
console.log(`  gateway / floor: ${(gateway / floor).toFixed(2)}`);

if (process.env.BENCH_ALLOC === '1') {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(7)} KB`;
  for (const [name, handler] of targets) {
    const report = await profileAllocation(perRound, () => measure(handler, perRound).then(() => undefined));
    console.log(`\n${name}: ${kb(report.bytesPerRequest).trim()} allocated per request`);
    for (const [where, bytes] of report.byModule.slice(0, 12)) console.log(`  ${kb(bytes)}  ${where}`);
    console.log('  by function:');
    for (const [where, bytes] of report.byFunction.slice(0, 20)) console.log(`  ${kb(bytes)}  ${where}`);
  }
}
