// The floor for a yoga resolver: a minimal hand-written graphql-yoga server with ONE resolver,
// createCoinEvent, making the same undici call as the gateway (a keep-alive Pool of the same size,
// request(), JSON.parse the body, return the payload). No validation, no error mapping, no
// resilience, no logging. Same SDL subset as the gateway's schema.
//
// Run by test/bench/run.ts in its own process:
//   UPSTREAM_URL=http://127.0.0.1:PORT node --import tsx test/bench/baseline-server.ts
// PORT (default 0 = ephemeral), HOST (default 127.0.0.1), UPSTREAM_CONNECTIONS (default 32, the
// gateway's COINS_API_MAX_CONNECTIONS default). Reports {type:'ready', url} over IPC when forked.

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
  connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 32),
  keepAliveTimeout: 4_000,
});

const typeDefs = /* GraphQL */ `
  enum CoinConfiguration {
    DEFAULT
    CUSTOM
  }
  type CoinConfig {
    coinConfigId: ID!
    configuration: CoinConfiguration!
    companyId: String!
    event: String!
    amount: Int!
  }
  input CreateCoinEventInput {
    configuration: CoinConfiguration!
    companyId: String!
    event: String!
    amount: Int!
  }
  type Query {
    coinEvent(coinConfigId: ID!): CoinConfig
  }
  type Mutation {
    createCoinEvent(input: CreateCoinEventInput!): CoinConfig!
  }
`;

interface CreateInput {
  configuration: string;
  companyId: string;
  event: string;
  amount: number;
}

const createPath = `${upstream.pathname.replace(/\/+$/, '')}/api/v0/enkash-coins/create-coins-config`;

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Mutation: {
        createCoinEvent: async (_root: unknown, args: { input: CreateInput }, context: { request: Request }) => {
          const { input } = args;
          const { body } = await pool.request({
            method: 'POST',
            path: createPath,
            headers: {
              accept: 'application/json',
              authorization: context.request.headers.get('authorization') ?? '',
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              configuration: input.configuration,
              companyId: input.companyId,
              event: input.event,
              amount: input.amount,
            }),
          });
          const envelope = JSON.parse(await body.text()) as { payload: unknown };
          return envelope.payload;
        },
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
