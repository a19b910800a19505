// The floor for a yoga resolver: a minimal hand-written graphql-yoga server whose resolvers make
// the same undici calls as the gateway (a keep-alive Pool of the same size, request(), JSON.parse
// the body, return the payload). No validation, no error mapping, no resilience, no logging. Same
// schema as the gateway (schema.graphql). The operations of the mixed workload are implemented the
// naive way: allocateCoins' balance is one more call, coinEvents is one call per id (repeats
// included, all at once): no DataLoader, no deduplication, no bound on the fan-out.
//
// Run by test/bench/run.ts in its own process:
//   UPSTREAM_URL=http://127.0.0.1:PORT node --import tsx test/bench/baseline-server.ts
// PORT (default 0 = ephemeral), HOST (default 127.0.0.1), UPSTREAM_CONNECTIONS (default 128, the
// gateway's COINS_API_MAX_CONNECTIONS default). Reports {type:'ready', url} over IPC when forked.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';

const upstreamUrl = process.env.UPSTREAM_URL;
if (!upstreamUrl) {
  console.error('UPSTREAM_URL is required');
  process.exit(1);
}
const upstream = new URL(upstreamUrl);
const pool = new Pool(upstream.origin, {
  connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 128),
  keepAliveTimeout: 4_000,
});

// The gateway's public schema as committed, so the floor answers the same operations against the
// same types; it resolves only the fields the benchmark's operations select.
const typeDefs = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');

interface CreateInput {
  configuration: string;
  companyId: string;
  event: string;
  amount: number;
}

interface AllocateInput {
  companyId: string;
  event: string;
  requestId: string;
  userId: string;
}

interface Context {
  request: Request;
}

const prefix = upstream.pathname.replace(/\/+$/, '');
const coinsPath = `${prefix}/api/v0/enkash-coins`;

/** One upstream call, the way a first resolver is written: send, parse the envelope, return the payload. */
async function call(context: Context, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const { body: responseBody } = await pool.request({
    method,
    path,
    headers: {
      accept: 'application/json',
      authorization: context.request.headers.get('authorization') ?? '',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = JSON.parse(await responseBody.text()) as { payload: unknown };
  return envelope.payload;
}

const getCoinConfig = (context: Context, id: string) => call(context, 'GET', `${coinsPath}/${encodeURIComponent(id)}`);

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        coinEvent: (_root: unknown, args: { coinConfigId: string }, context: Context) =>
          getCoinConfig(context, args.coinConfigId),
        coinEvents: (_root: unknown, args: { coinConfigIds: string[] }, context: Context) =>
          Promise.all(args.coinConfigIds.map((id) => getCoinConfig(context, id))),
      },
      Mutation: {
        createCoinEvent: (_root: unknown, args: { input: CreateInput }, context: Context) => {
          const { input } = args;
          return call(context, 'POST', `${coinsPath}/create-coins-config`, {
            configuration: input.configuration,
            companyId: input.companyId,
            event: input.event,
            amount: input.amount,
          });
        },
        allocateCoins: async (_root: unknown, args: { input: AllocateInput }, context: Context) => {
          const { input } = args;
          const message = await call(context, 'POST', `${coinsPath}/allocate-coin`, {
            companyId: input.companyId,
            event: input.event,
            requestId: input.requestId,
            userId: input.userId,
          });
          return { ...input, message };
        },
      },
      CoinAllocation: {
        balance: async (allocation: AllocateInput, _args: unknown, context: Context) => ({
          userId: allocation.userId,
          coins: await call(
            context,
            'GET',
            `${prefix}/api/v0/coins/balance?userId=${encodeURIComponent(allocation.userId)}`,
          ),
        }),
      },
    },
  }),
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/health',
  landingPage: false,
  graphiql: false,
});

const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  if (process.send) process.send({ type: 'ready', url });
  else console.log(`baseline yoga server at ${url}/graphql`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  void pool.close().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
