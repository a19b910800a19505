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

async function post(url: string, query: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: AUTH },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

const INTROSPECTION = '{ __schema { queryType { name } } }';

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
