import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { graphiqlDefaultDocument, SANDBOX_AUTHORIZATION } from '../../src/graphiql/example-operations.js';
import { createLogger } from '../../src/logging/logger.js';
import { schema } from '../../src/schema/index.js';
import { listen } from '../../src/server/http-server.js';
import { AUTH, useTestGateway, upstreamCalls, type GraphQLResponse } from '../helpers/test-gateway.js';

/** The HTTP surface: health, GraphiQL, GraphQL-over-HTTP answers to malformed requests, headers. */

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const CREATE =
  'mutation { createCoinEvent(input: { configuration: DEFAULT, companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", amount: 6 }) { coinConfigId amount } }';

interface GraphiQLOptions {
  title: string;
  defaultQuery: string;
  headers?: string;
  shouldPersistHeaders: boolean;
}

/** The options object yoga's GraphiQL page is rendered with (embedded as a JSON literal). */
function graphiqlOptions(html: string): GraphiQLOptions {
  const start = html.indexOf('{"title":');
  expect(start).toBeGreaterThan(-1);
  const end = html.indexOf(',\n', html.indexOf('"shouldPersistHeaders"', start));
  return JSON.parse(html.slice(start, end)) as GraphiQLOptions;
}

async function getGraphiQL(url: string): Promise<Response> {
  return fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
}

const gateway = useTestGateway();

/** The server still answers a normal operation (it did not crash or wedge). */
async function expectStillServing(): Promise<void> {
  expect(await gateway.gql('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
}

describe('health', () => {
  it('GET /health answers 200 without touching the upstream', async () => {
    const res = await fetch(`${gateway.url}/health`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('an unknown path answers 404', async () => {
    const res = await fetch(`${gateway.url}/nope`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe('GraphiQL', () => {
  it('a browser GET /graphql gets GraphiQL with the ready-to-run operations and, in sandbox mode, the Authorization header', async () => {
    const res = await getGraphiQL(gateway.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const options = graphiqlOptions(await res.text());
    expect(options.title).toBe('coins-gateway');
    expect(options.defaultQuery).toBe(graphiqlDefaultDocument());
    for (const operation of [
      'mutation CreateCoinEvent',
      'query CoinEvent(',
      'query CoinEvents(',
      'mutation UpdateCoinEvent',
      'mutation AllocateCoins',
      'query CoinBalance(',
      'query CoinBalances(',
    ]) {
      expect(options.defaultQuery).toContain(operation);
    }
    expect(JSON.parse(options.headers ?? 'null')).toEqual({ Authorization: SANDBOX_AUTHORIZATION });
    expect(options.shouldPersistHeaders).toBe(false);
  });

  it('the default operations are valid against the served schema', () => {
    expect(validate(schema, parse(graphiqlDefaultDocument()))).toEqual([]);
  });

  it('the pre-filled header is one the sandbox accepts: the example create runs as is', async () => {
    const document = parse(graphiqlDefaultDocument());
    expect(document.definitions.length).toBeGreaterThan(1);
    const res = await gateway.post(
      { query: graphiqlDefaultDocument(), operationName: 'CreateCoinEvent' },
      { authorization: SANDBOX_AUTHORIZATION },
    );
    const body = (await res.json()) as GraphQLResponse;
    expect(body.errors).toBeUndefined();
    expect(body.data?.createCoinEvent).toMatchObject({ companyId: 'CEKEKCARDS', event: 'INVOICE_PAYMENT', amount: 10 });
    expect(gateway.sandbox.requests[0]?.headers.authorization).toBe(SANDBOX_AUTHORIZATION);
  });

  it('against a configured upstream (not sandbox mode) no Authorization is pre-filled', async () => {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', COINS_API_URL: gateway.sandbox.url });
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    const app = createApp({
      config,
      upstreamUrl: gateway.sandbox.url,
      logger: createLogger('silent', silent),
      sandboxMode: false,
    });
    const listening = await listen(app.gateway, 0, '127.0.0.1');
    try {
      const res = await getGraphiQL(listening.url);
      expect(res.status).toBe(200);
      const html = await res.text();
      const options = graphiqlOptions(html);
      expect(options.defaultQuery).toBe(graphiqlDefaultDocument());
      expect(options.headers).toBeUndefined();
      expect(html).not.toContain(SANDBOX_AUTHORIZATION);
    } finally {
      listening.server.closeAllConnections();
      await new Promise<void>((resolve) => listening.server.close(() => resolve()));
      await app.close();
    }
  });
});

describe('malformed requests get a 4xx GraphQL-over-HTTP answer, and the server keeps serving', () => {
  async function postRaw(body: string, contentType = 'application/json') {
    return fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: GRAPHQL_RESPONSE, authorization: AUTH },
      body,
    });
  }

  it("invalid JSON: 400 BAD_REQUEST, without yoga's originalError", async () => {
    const res = await postRaw('{"query": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    const text = await res.text();
    expect(text).not.toContain('originalError');
    expect(text).not.toContain('SyntaxError');
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
    await expectStillServing();
  });

  it('a missing query: 400 BAD_REQUEST', async () => {
    const res = await gateway.post({ variables: {} });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }],
    });
    await expectStillServing();
  });

  it('a query that is not a string: 400 BAD_REQUEST', async () => {
    const res = await gateway.post({ query: 5 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [
        { message: 'Expected "query" param to be a string, but given number.', extensions: { code: 'BAD_REQUEST' } },
      ],
    });
  });

  it('a syntax error: 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await gateway.post({ query: '{ coinEvent(' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [
        {
          message: 'Syntax Error: Expected Name, found <EOF>.',
          locations: [{ line: 1, column: 13 }],
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
    });
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED, no upstream call', async () => {
    const res = await gateway.post({ query: '{ coinEvents2 }' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as GraphQLResponse;
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a content type that is not GraphQL-over-HTTP: 415', async () => {
    const res = await postRaw('{"query":"{ __typename }"}', 'text/plain');
    expect(res.status).toBe(415);
    await res.arrayBuffer();
    await expectStillServing();
  });

  it('a mutation over GET: 405 with Allow: POST, and nothing sent upstream', async () => {
    const res = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent(CREATE)}`, {
      headers: { accept: GRAPHQL_RESPONSE, authorization: AUTH },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({
      errors: [
        { message: 'Can only perform a mutation operation from a POST request.', extensions: { code: 'BAD_REQUEST' } },
      ],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
    await expectStillServing();
  });

  it('a query over GET works', async () => {
    const res = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it.each(['variables', 'extensions'])(
    'a GET whose %s is not JSON: 400 BAD_REQUEST naming it, nothing sent upstream',
    async (name) => {
      const query = encodeURIComponent('query ($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId } }');
      const res = await fetch(`${gateway.url}/graphql?query=${query}&${name}=${encodeURIComponent('{bad')}`, {
        headers: { accept: GRAPHQL_RESPONSE, authorization: AUTH },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        errors: [{ message: `The "${name}" query parameter is not valid JSON.`, extensions: { code: 'BAD_REQUEST' } }],
      });
      expect(upstreamCalls(gateway.sandbox)).toEqual([]);
      await expectStillServing();
    },
  );

  it('a GET with JSON variables runs, and one whose variables are not an object is 400', async () => {
    const query = encodeURIComponent('query ($id: ID!) { coinBalance(userId: $id) { userId coins } }');
    const ok = await fetch(`${gateway.url}/graphql?query=${query}&variables=${encodeURIComponent('{"id":"U1"}')}`, {
      headers: { accept: GRAPHQL_RESPONSE, authorization: AUTH },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { coinBalance: { userId: 'U1', coins: 0 } } });
    const notObject = await fetch(`${gateway.url}/graphql?query=${query}&variables=5`, {
      headers: { accept: GRAPHQL_RESPONSE, authorization: AUTH },
    });
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toEqual({
      errors: [
        {
          message: 'Expected "variables" param to be empty or an object, but given number.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  });

  it('an unsupported method: 405', async () => {
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({
      errors: [{ message: 'GraphQL only supports GET and POST requests.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('bytes that are not HTTP at all do not take the server down', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(gateway.listening.port, '127.0.0.1', () => socket.write('\u0000\u0001 NOT HTTP\r\n\r\n'));
      socket.on('data', () => {});
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1_000);
    });
    await expectStillServing();
  });
});

describe('what is forwarded upstream', () => {
  it('the Authorization header verbatim, the request id, and nothing else of the caller (never cookies)', async () => {
    const authorization = 'bearer   Abc.DEF-ghi_+/=  ';
    const response = await gateway.gql(CREATE, undefined, {
      authorization,
      cookie: 'JSESSIONID=abc123; __cf_bm=cloudflare',
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'caller-request',
      'user-agent': 'caller-agent/1.0',
      'accept-language': 'en-IN',
    });
    expect(response.errors).toBeUndefined();
    expect(gateway.sandbox.requests).toHaveLength(1);
    const { headers } = gateway.sandbox.requests[0]!;
    // fetch trims surrounding whitespace from header values; the rest arrives byte for byte.
    expect(headers.authorization).toBe('bearer   Abc.DEF-ghi_+/=');
    expect(Object.keys(headers).sort()).toEqual([
      'accept',
      'authorization',
      'connection',
      'content-length',
      'content-type',
      'host',
      'x-request-id',
    ]);
    // The caller's request id is a valid one, so it is kept and goes upstream (tracing is off: no traceparent).
    expect(headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-request-id': 'caller-request',
    });
    expect(JSON.stringify(headers)).not.toContain('JSESSIONID');
    expect(JSON.stringify(headers)).not.toContain('203.0.113.9');
  });

  it('reads send no body and no content type', async () => {
    await gateway.gql('{ coinEvent(coinConfigId: "WCC1") { coinConfigId } }', undefined, {
      cookie: 'JSESSIONID=abc123',
    });
    expect(gateway.sandbox.requests).toHaveLength(1);
    const request = gateway.sandbox.requests[0]!;
    expect(request.body).toBe('');
    expect(Object.keys(request.headers).sort()).toEqual([
      'accept',
      'authorization',
      'connection',
      'host',
      'x-request-id',
    ]);
  });
});

describe('introspection and __typename need no Authorization', () => {
  it('__typename', async () => {
    expect(await gateway.gql('{ __typename }', undefined, { authorization: null })).toEqual({
      data: { __typename: 'Query' },
    });
    expect(await gateway.gql('mutation { __typename }', undefined, { authorization: null })).toEqual({
      data: { __typename: 'Mutation' },
    });
  });

  it('introspection', async () => {
    const response = await gateway.gql(
      '{ __schema { queryType { name } mutationType { name } } __type(name: "CoinConfig") { fields { name } } }',
      undefined,
      { authorization: null },
    );
    expect(response.errors).toBeUndefined();
    const data = response.data as {
      __schema: unknown;
      __type: { fields: Array<{ name: string }> };
    };
    expect(data.__schema).toEqual({ queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } });
    expect(data.__type.fields.map((field) => field.name).sort()).toEqual([
      'amount',
      'coinConfigId',
      'companyId',
      'configuration',
      'event',
      'id',
    ]);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('in one operation, __typename answers while the upstream field fails UNAUTHENTICATED', async () => {
    const query = '{ __typename coinEvent(coinConfigId: "WCC1") { coinConfigId } }';
    const response = await gateway.gql(query, undefined, { authorization: null });
    expect(response).toEqual({
      data: { __typename: 'Query', coinEvent: null },
      errors: [
        {
          message:
            'Authentication required: send an Authorization header (e.g. "Bearer <access token>") for the coins API.',
          locations: [{ line: 1, column: query.indexOf('coinEvent') + 1 }],
          path: ['coinEvent'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});
