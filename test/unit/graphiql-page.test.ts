import { Writable } from 'node:stream';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, useSharedGraphiQLPage } from '../../src/graphiql/graphiql-page.js';
import { createLogger } from '../../src/logging/logger.js';

const PAGE = `<!doctype html><title>GraphiQL</title>${'<p>ünïcode</p>'.repeat(1000)}`;

let logged = '';
const logger = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  }),
);

function yogaWithPage(render: () => Promise<string>) {
  return createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
    graphiql: false,
    landingPage: false,
    logging: false,
    plugins: [useSharedGraphiQLPage({ endpoint: '/graphql', render, logger })],
  });
}

const load = (yoga: ReturnType<typeof yogaWithPage>, headers: Record<string, string> = {}, path = '/graphql') =>
  yoga.fetch(`http://gateway${path}`, { headers: { accept: 'text/html', ...headers } });

describe('useSharedGraphiQLPage', () => {
  it('renders the page once for any number of concurrent loads', async () => {
    let renders = 0;
    const yoga = yogaWithPage(async () => {
      renders += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return PAGE;
    });
    const bodies = await Promise.all(Array.from({ length: 10 }, async () => (await load(yoga)).text()));
    expect(renders).toBe(1);
    expect(new Set(bodies)).toEqual(new Set([PAGE]));
    await load(yoga);
    expect(renders).toBe(1);
  });

  it('answers br, gzip or the page as is, with validators and Vary', async () => {
    const yoga = yogaWithPage(async () => PAGE);
    const br = await load(yoga, { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await load(yoga, { 'accept-encoding': 'gzip' });
    const identity = await load(yoga, { 'accept-encoding': 'identity' });
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString('utf8')).toBe(PAGE);
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString('utf8')).toBe(PAGE);
    expect(await identity.text()).toBe(PAGE);
    for (const [response, encoding] of [
      [br, 'br'],
      [gzip, 'gzip'],
      [identity, null],
    ] as const) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe(encoding);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(response.headers.get('etag')).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    }
    expect(new Set([br, gzip, identity].map((response) => response.headers.get('etag'))).size).toBe(1);
    expect(Number(identity.headers.get('content-length'))).toBe(Buffer.byteLength(PAGE));
    expect(Number(br.headers.get('content-length'))).toBeLessThan(Buffer.byteLength(PAGE) / 10);
  });

  it('answers 304 without a body to If-None-Match with its ETag (weak or strong, in a list, or *)', async () => {
    const yoga = yogaWithPage(async () => PAGE);
    const etag = (await load(yoga)).headers.get('etag')!;
    for (const ifNoneMatch of [etag, etag.replace(/^W\//, ''), `"other", ${etag}`, '*']) {
      const response = await load(yoga, { 'if-none-match': ifNoneMatch });
      expect(response.status).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(await response.text()).toBe('');
    }
    expect((await load(yoga, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('leaves every other request to yoga', async () => {
    const yoga = yogaWithPage(async () => PAGE);
    const json = await yoga.fetch('http://gateway/graphql?query=%7Bok%7D', { headers: { accept: 'application/json' } });
    expect(await json.json()).toEqual({ data: { ok: null } });
    expect((await load(yoga, {}, '/other')).status).toBe(404);
    expect(await (await load(yoga, {}, '/graphql/')).text()).toBe(PAGE);
  });

  it('answers 500 (logged) when rendering failed, and tries again on the next load', async () => {
    let attempts = 0;
    const yoga = yogaWithPage(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('bundle missing');
      return PAGE;
    });
    const failed = await load(yoga);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('GraphiQL is unavailable; the GraphQL endpoint is not affected.');
    expect(logged).toContain('"event":"graphiql_unavailable"');
    expect(logged).toContain('bundle missing');
    expect(await (await load(yoga)).text()).toBe(PAGE);
  });
});

describe('chooseEncoding', () => {
  it.each([
    [null, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['BR', 'br'],
    ['gzip;q=0', 'identity'],
    ['*', 'gzip'],
    ['deflate', 'identity'],
  ] as const)('%s → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});
