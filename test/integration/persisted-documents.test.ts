import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Client, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { print } from 'graphql';
import { GraphQLClient } from 'graphql-request';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/limits.js';
import { AUTH, upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';

/** Trusted documents (TRUSTED_DOCUMENTS[_FILE]) and automatic persisted queries (Apollo's APQ). */

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const BALANCE = 'query Balance($userId: ID!) { coinBalance(userId: $userId) { id coins } }';
const TYPENAME = 'query Typename { __typename }';
const NOT_FOUND = {
  errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
};
const ONLY_TRUSTED = {
  errors: [
    {
      message:
        'PersistedQueryOnly: this gateway runs only trusted documents; send documentId (sha256 from the manifest) instead of query.',
      extensions: { code: 'PERSISTED_QUERY_ONLY' },
    },
  ],
};

const manifestDir = mkdtempSync(join(tmpdir(), 'coins-gateway-manifest-'));
const manifestPath = join(manifestDir, 'persisted-documents.json');
writeFileSync(manifestPath, JSON.stringify({ [sha256(BALANCE)]: BALANCE, [sha256(TYPENAME)]: TYPENAME }));
afterAll(() => rmSync(manifestDir, { recursive: true, force: true }));

/** Every request body a client library sent, parsed. */
function recordingFetch(sent: Array<Record<string, unknown>>): typeof fetch {
  return async (input, init) => {
    sent.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    return fetch(input, init);
  };
}

describe('TRUSTED_DOCUMENTS=required: only documents from the manifest run', () => {
  const gateway = useTestGateway({ TRUSTED_DOCUMENTS_FILE: manifestPath, TRUSTED_DOCUMENTS: 'required' });

  it.each([
    ['a bare documentId', { documentId: sha256(BALANCE) }],
    ['a sha256: documentId', { documentId: `sha256:${sha256(BALANCE)}` }],
    [
      'extensions.persistedQuery.sha256Hash',
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(BALANCE) } } },
    ],
  ])('runs a known document named by %s', async (_name, reference) => {
    const response = await gateway.post({ ...reference, variables: { userId: 'EKQZVMQK' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { coinBalance: { id: 'EKQZVMQK', coins: 0 } } });
    expect(upstreamCalls(gateway.sandbox)).toEqual(['GET /api/v0/coins/balance?userId=EKQZVMQK']);
  });

  it('runs a known document over GET by its documentId in the query string', async () => {
    const url = `${gateway.url}/graphql?documentId=sha256:${sha256(TYPENAME)}`;
    const response = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('an unknown id: PERSISTED_QUERY_NOT_FOUND (404; 200 for application/json), before any upstream call', async () => {
    const response = await gateway.post({ documentId: `sha256:${sha256('{ coinBalance(userId: "X") { coins } }')}` });
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(await response.json()).toEqual(NOT_FOUND);
    const legacy = await gateway.post({ documentId: 'sha256:0000' }, { accept: 'application/json' });
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toEqual(NOT_FOUND);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a full document, even one from the manifest: PERSISTED_QUERY_ONLY, before any upstream call', async () => {
    for (const body of [
      { query: '{ coinBalance(userId: "EKQZVMQK") { coins } }' },
      { query: BALANCE, variables: { userId: 'EKQZVMQK' } },
      // Apollo's second request (document + hash) registers nothing here.
      {
        query: BALANCE,
        variables: { userId: 'EKQZVMQK' },
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(BALANCE) } },
      },
    ]) {
      const response = await gateway.post(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(ONLY_TRUSTED);
    }
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('graphql-request sends manifest ids through a request middleware (document text never sent)', async () => {
    const sent: string[] = [];
    const client = new GraphQLClient(`${gateway.url}/graphql`, {
      headers: { authorization: AUTH },
      // Trusted documents: replace the document by its sha256, the id the manifest lists it under.
      requestMiddleware: (request) => {
        const body = JSON.parse(String(request.body)) as { query: string; variables?: unknown };
        const trusted = JSON.stringify({ documentId: `sha256:${sha256(body.query)}`, variables: body.variables });
        sent.push(trusted);
        return { ...request, body: trusted };
      },
    });
    expect(await client.request(BALANCE, { userId: 'EKQZVMQK' })).toEqual({
      coinBalance: { id: 'EKQZVMQK', coins: 0 },
    });
    expect(sent).toEqual([`{"documentId":"sha256:${sha256(BALANCE)}","variables":{"userId":"EKQZVMQK"}}`]);
    const unknown = await client.request('{ __typename }').catch((error: unknown) => error);
    expect(
      (unknown as { response: { errors: Array<{ extensions: { code: string } }> } }).response.errors[0]?.extensions
        .code,
    ).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('automatic persisted queries are off: an Apollo client gets PERSISTED_QUERY_ONLY after its fallback', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const client = new ApolloClient({
      link: new PersistedQueryLink({ sha256 }).concat(
        new HttpLink({ uri: `${gateway.url}/graphql`, headers: { authorization: AUTH }, fetch: recordingFetch(sent) }),
      ),
      cache: new InMemoryCache(),
    });
    const failure = await client
      .query({ query: gql('query Other { coinBalance(userId: "EKQZVMQK") { id coins } }') })
      .catch((error: unknown) => error);
    expect((failure as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_ONLY',
    );
    expect(sent.map((body) => typeof body.query)).toEqual(['undefined', 'string']);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});

describe('TRUSTED_DOCUMENTS=allow (the default with a manifest): known ids and full documents', () => {
  const gateway = useTestGateway({ TRUSTED_DOCUMENTS_FILE: manifestPath });

  it('runs a manifest document by id and a full document sent as is', async () => {
    expect(await (await gateway.post({ documentId: sha256(TYPENAME) })).json()).toEqual({
      data: { __typename: 'Query' },
    });
    expect(await gateway.gql('{ coinBalance(userId: "EKQZVMQK") { coins } }')).toEqual({
      data: { coinBalance: { coins: 0 } },
    });
  });

  it('an unknown id is still PERSISTED_QUERY_NOT_FOUND', async () => {
    const response = await gateway.post({ documentId: sha256('{ __typename }') });
    expect(await response.json()).toEqual(NOT_FOUND);
  });
});

describe('automatic persisted queries (APQ), with no manifest', () => {
  const gateway = useTestGateway();
  let sent: Array<Record<string, unknown>>;
  beforeEach(() => {
    sent = [];
  });

  const apollo = () =>
    new ApolloClient({
      link: new PersistedQueryLink({ sha256 }).concat(
        new HttpLink({ uri: `${gateway.url}/graphql`, headers: { authorization: AUTH }, fetch: recordingFetch(sent) }),
      ),
      cache: new InMemoryCache(),
    });

  it("Apollo's PersistedQueryLink: hash only → PERSISTED_QUERY_NOT_FOUND → hash + document registers it → hash only runs", async () => {
    const query = gql('query ApqBalance($userId: ID!) { coinBalance(userId: $userId) { id coins } }');

    const first = await apollo().query({ query, variables: { userId: 'EKQZVMQK' } });
    expect(first.data).toEqual({ coinBalance: { __typename: 'CoinBalance', id: 'EKQZVMQK', coins: 0 } });
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toHaveProperty('query');
    const hash = (sent[0] as { extensions: { persistedQuery: { sha256Hash: string } } }).extensions.persistedQuery
      .sha256Hash;
    expect(sent[0]?.extensions).toMatchObject({ persistedQuery: { version: 1, sha256Hash: hash } });
    // The fallback carries the document (as Apollo printed it, __typename added) under that hash.
    expect(sha256(String(sent[1]?.query))).toBe(hash);
    expect(String(sent[1]?.query)).toContain(print(query).split('\n')[0]);

    // Another client (a fresh page load) sends the hash alone and is answered from the store.
    sent.length = 0;
    const second = await apollo().query({ query, variables: { userId: 'EKQZVMQK' } });
    expect(second.data).toEqual(first.data);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('query');
    // The not-found round trip called nothing upstream: one balance read per executed query.
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
    ]);
  });

  it("Apollo's useGETForHashedQueries: the hash-only request is a GET, the fallback a POST", async () => {
    const methods: string[] = [];
    const client = new ApolloClient({
      link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
        new HttpLink({
          uri: `${gateway.url}/graphql`,
          headers: { authorization: AUTH },
          fetch: async (input, init) => {
            methods.push(init?.method ?? 'GET');
            return fetch(input, init);
          },
        }),
      ),
      cache: new InMemoryCache(),
    });
    const query = gql('query GetBalance { coinBalance(userId: "EKQZVMQK") { id coins } }');
    expect((await client.query({ query })).data).toEqual({
      coinBalance: { __typename: 'CoinBalance', id: 'EKQZVMQK', coins: 0 },
    });
    expect(methods).toEqual(['GET', 'POST']);
    await client.clearStore();
    expect((await client.query({ query })).data).toEqual({
      coinBalance: { __typename: 'CoinBalance', id: 'EKQZVMQK', coins: 0 },
    });
    expect(methods).toEqual(['GET', 'POST', 'GET']);
  });

  it("urql's persistedExchange registers and then sends hashes only", async () => {
    const query = 'query UrqlBalance($userId: ID!) { coinBalance(userId: $userId) { id coins } }';
    const client = () =>
      new Client({
        url: `${gateway.url}/graphql`,
        exchanges: [persistedExchange({ preferGetForPersistedQueries: false }), fetchExchange],
        fetchOptions: { headers: { authorization: AUTH } },
        fetch: recordingFetch(sent),
        requestPolicy: 'network-only',
      });
    const first = await client().query(query, { userId: 'EKQZVMQK' }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data).toEqual({ coinBalance: { id: 'EKQZVMQK', coins: 0 } });
    expect(sent.map((body) => typeof body.query)).toEqual(['undefined', 'string']);

    sent.length = 0;
    const second = await client().query(query, { userId: 'EKQZVMQK' }).toPromise();
    expect(second.data).toEqual(first.data);
    expect(sent.map((body) => typeof body.query)).toEqual(['undefined']);
  });

  it('a hash that is not the sha256 of the document sent with it is refused (400 BAD_REQUEST), nothing registered', async () => {
    const query = '{ coinBalance(userId: "EKQZVMQK") { coins } }';
    const wrongHash = sha256('{ __typename }');
    const response = await gateway.post({
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: wrongHash } },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(
      await (await gateway.post({ extensions: { persistedQuery: { version: 1, sha256Hash: wrongHash } } })).json(),
    ).toEqual(NOT_FOUND);
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a document over the size limit is refused before it is registered', async () => {
    const query = `{ __typename ${' '.repeat(OPERATION_LIMITS.maxDocumentBytes)}}`;
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    const refused = await gateway.post({ query, extensions: { persistedQuery } });
    expect(refused.status).toBe(400);
    expect(
      ((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
    ).toBe('GRAPHQL_PARSE_FAILED');
    expect(await (await gateway.post({ extensions: { persistedQuery } })).json()).toEqual(NOT_FOUND);
  });

  it('a request with neither a query nor an id is still 400 "Must provide query string."', async () => {
    const response = await gateway.post({ variables: {} });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });
});
