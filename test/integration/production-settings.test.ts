import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxServer } from '../../src/sandbox/index.js';
import { AUTH } from '../helpers/test-gateway.js';

/**
 * NODE_ENV=production, on the real entry point (src/main.ts) in a child process: no sandbox;
 * GraphiQL and introspection off unless GRAPHIQL=true / INTROSPECTION=true.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Started {
  /** The gateway's base URL, once it logged `listening`; undefined if it exited first. */
  url: Promise<string | undefined>;
  exited: Promise<number | null>;
  stderr(): string;
  stop(): void;
}

function startEntry(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // METRICS_PORT=0: several of these processes run at once, and others' tests use the default port.
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string | undefined>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { event?: string; url?: string };
      if (line.event === 'listening') resolve(line.url);
    });
    void exited.then(() => resolve(undefined));
  });
  return { url, exited, stderr: () => stderr, stop: () => child.kill('SIGKILL') };
}

async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: AUTH },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

const INTROSPECTION = '{ __schema { queryType { name } } }';

const CREATE_EVENT = 'mutation ($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }';
const EVENT_INPUT = { amount: 5, companyId: 'CMP1', configuration: 'DEFAULT', event: 'WELCOME' };

/**
 * One typo of each kind graphql-js answers with a "Did you mean …?" naming what is in the schema,
 * and the message without it. Each is sent twice: the second answer comes from yoga's validation cache.
 */
const TYPOS: Array<{ query: string; variables?: Record<string, unknown>; message: string; code: string }> = [
  {
    query: '{ coinEvnt(coinConfigId: "x") { coinConfigId } }',
    message: 'Cannot query field "coinEvnt" on type "Query".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query: '{ coinEvent(coinConfigId: "x") { coinConfigI } }',
    message: 'Cannot query field "coinConfigI" on type "CoinConfig".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query: '{ coinEvent(coinConfigId: "x", coinConfigI: "y") { coinConfigId } }',
    message: 'Unknown argument "coinConfigI" on field "Query.coinEvent".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query: '{ coinEvent(coinConfigId: "x") { coinConfigId @skip(if: false, iff: true) } }',
    message: 'Unknown argument "iff" on directive "@skip".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query:
      'mutation { createCoinEvent(input: { amount: 5, companyId: "CMP1", configuration: DEFAULT, event: "WELCOME", amout: 1 }) { coinConfigId } }',
    message: 'Field "amout" is not defined by type "CreateCoinEventInput".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query:
      'mutation { createCoinEvent(input: { amount: 5, companyId: "CMP1", configuration: DEFALT, event: "WELCOME" }) { coinConfigId } }',
    message: 'Value "DEFALT" does not exist in "CoinConfiguration" enum.',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query: 'mutation ($input: CreateCoinEventInpt!) { createCoinEvent(input: $input) { coinConfigId } }',
    message: 'Unknown type "CreateCoinEventInpt".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    query: '{ ...Root } fragment Root on Quer { __typename }',
    message: 'Unknown type "Quer".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    // A field on federation's _Entity union: the hint would name the entity types.
    query: '{ _entities(representations: []) { coins } }',
    message: 'Cannot query field "coins" on type "_Entity".',
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    // Variables are coerced at execution, not validation: their hints are in the message and the issues.
    query: CREATE_EVENT,
    variables: { input: { ...EVENT_INPUT, amout: 1, configuration: 'DEFALT' } },
    message:
      'Invalid input: input.configuration: Value "DEFALT" does not exist in "CoinConfiguration" enum.; input.amout: Field "amout" is not defined by type "CreateCoinEventInput".',
    code: 'BAD_USER_INPUT',
  },
];

describe('NODE_ENV=production', { timeout: 60_000 }, () => {
  let upstream: SandboxServer;
  const started: Started[] = [];
  const start = (env: Record<string, string>) => {
    const entry = startEntry(env);
    started.push(entry);
    return entry;
  };
  /** The URL of a gateway that must start; fails with its stderr otherwise. */
  const startServing = async (env: Record<string, string>) => {
    const entry = start(env);
    const url = await entry.url;
    expect(url, entry.stderr()).toBeDefined();
    return url as string;
  };
  beforeAll(async () => {
    upstream = await startSandbox();
  });
  afterAll(async () => {
    for (const entry of started) entry.stop();
    await upstream.close();
  });

  it('without COINS_API_URL: refuses to start (exit 1) with a message naming the variable, and no sandbox', async () => {
    const entry = start({ NODE_ENV: 'production' });
    expect(await entry.exited).toBe(1);
    expect(await entry.url).toBeUndefined();
    expect(entry.stderr()).toContain('COINS_API_URL is required when NODE_ENV=production');
  });

  it('GraphiQL and introspection are off; queries and __typename work', async () => {
    const url = await startServing({ NODE_ENV: 'production', COINS_API_URL: upstream.url });
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    // No GraphiQL page: a browser's text/html request is not acceptable (406), nothing rendered.
    expect(page.status).toBe(406);
    expect(await page.text()).toBe('');

    const introspection = await post(url, INTROSPECTION);
    expect(introspection.status).toBe(400);
    const errors = (introspection.body as { data?: unknown; errors: Array<{ message: string; extensions: unknown }> })
      .errors;
    expect(introspection.body).not.toHaveProperty('data');
    expect(errors[0]).toEqual({
      message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    // (and one for queryType, whose type is __Type)
    expect(errors.every((error) => (error.extensions as { code: string }).code === 'GRAPHQL_VALIDATION_FAILED')).toBe(
      true,
    );
    // Federation's _service { sdl } is the whole schema too: off with introspection, in a fragment as well.
    for (const query of ['{ _service { sdl } }', '{ ...Sdl } fragment Sdl on Query { _service { sdl } }']) {
      const sdl = await post(url, query);
      expect(sdl.status).toBe(400);
      expect(sdl.body).toEqual({
        errors: [
          {
            message: 'GraphQL introspection has been disabled, but the requested query contained the field "_service".',
            locations: [{ line: 1, column: query.indexOf('_service') + 1 }],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
    }
    expect(await post(url, '{ __typename coinBalance(userId: "EKQZVMQK") { coins } }')).toEqual({
      status: 200,
      body: { data: { __typename: 'Query', coinBalance: { coins: 0 } } },
    });
    // Routers' run-time field still works.
    expect(
      await post(
        url,
        '{ _entities(representations: [{ __typename: "CoinBalance", userId: "EKQZVMQK" }]) { ... on CoinBalance { coins } } }',
      ),
    ).toEqual({ status: 200, body: { data: { _entities: [{ coins: 0 }] } } });
  });

  it('validation and variable errors carry no "Did you mean" suggestions: they would name the schema', async () => {
    const url = await startServing({ NODE_ENV: 'production', COINS_API_URL: upstream.url });
    for (const typo of TYPOS) {
      for (const attempt of [1, 2]) {
        const answer = await post(url, typo.query, typo.variables);
        const body = answer.body as { errors: Array<{ message: string; extensions: { code: string } }> };
        expect({ attempt, status: answer.status, body }).toMatchObject({
          attempt,
          status: 400,
          body: { errors: [{ message: typo.message, extensions: { code: typo.code } }] },
        });
        expect(body.errors).toHaveLength(1);
        expect(JSON.stringify(body)).not.toMatch(/did you mean/i);
      }
    }
    // The issues keep their paths, without the hints.
    const variables = await post(url, CREATE_EVENT, TYPOS[TYPOS.length - 1]?.variables);
    expect(variables.body).toEqual({
      errors: [
        {
          message: TYPOS[TYPOS.length - 1]?.message,
          extensions: {
            code: 'BAD_USER_INPUT',
            issues: [
              {
                path: ['input', 'configuration'],
                message: 'Value "DEFALT" does not exist in "CoinConfiguration" enum.',
              },
              { path: ['input', 'amout'], message: 'Field "amout" is not defined by type "CreateCoinEventInput".' },
            ],
          },
        },
      ],
    });
  });

  it('with INTROSPECTION=true the suggestions stay (developers use them)', async () => {
    const url = await startServing({ NODE_ENV: 'production', COINS_API_URL: upstream.url, INTROSPECTION: 'true' });
    const suggestions = [
      'Cannot query field "coinEvnt" on type "Query". Did you mean "coinEvent" or "coinEvents"?',
      'Cannot query field "coinConfigI" on type "CoinConfig". Did you mean "coinConfigId"?',
      'Unknown argument "coinConfigI" on field "Query.coinEvent". Did you mean "coinConfigId"?',
      'Unknown argument "iff" on directive "@skip". Did you mean "if"?',
      'Field "amout" is not defined by type "CreateCoinEventInput". Did you mean "amount"?',
      'Value "DEFALT" does not exist in "CoinConfiguration" enum. Did you mean the enum value "DEFAULT"?',
      'Unknown type "CreateCoinEventInpt". Did you mean "CreateCoinEventInput" or "UpdateCoinEventInput"?',
      'Unknown type "Quer". Did you mean "Query"?',
      'Cannot query field "coins" on type "_Entity". Did you mean to use an inline fragment on "CoinBalance"?',
      'Invalid input: input.configuration: Value "DEFALT" does not exist in "CoinConfiguration" enum. Did you mean the enum value "DEFAULT"?; input.amout: Field "amout" is not defined by type "CreateCoinEventInput". Did you mean "amount"?',
    ];
    for (const [index, typo] of TYPOS.entries()) {
      const answer = await post(url, typo.query, typo.variables);
      expect(answer).toMatchObject({
        status: 400,
        body: { errors: [{ message: suggestions[index], extensions: { code: typo.code } }] },
      });
    }
  });

  it('GRAPHIQL=true and INTROSPECTION=true turn them back on', async () => {
    const url = await startServing({
      NODE_ENV: 'production',
      COINS_API_URL: upstream.url,
      GRAPHIQL: 'true',
      INTROSPECTION: 'true',
    });
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    await page.arrayBuffer();
    expect(await post(url, INTROSPECTION)).toEqual({
      status: 200,
      body: { data: { __schema: { queryType: { name: 'Query' } } } },
    });
    const sdl = await post(url, '{ _service { sdl } }');
    expect(sdl.status).toBe(200);
    expect((sdl.body as { data: { _service: { sdl: string } } }).data._service.sdl).toContain('type CoinConfig');
  });

  it('outside production, INTROSPECTION=false and GRAPHIQL=false turn them off too', async () => {
    const url = await startServing({ COINS_API_URL: upstream.url, GRAPHIQL: 'false', INTROSPECTION: 'false' });
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(406);
    await page.arrayBuffer();
    expect((await post(url, INTROSPECTION)).status).toBe(400);
  });
});
