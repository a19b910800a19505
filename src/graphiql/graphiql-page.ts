import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import type { Logger } from '../logging/logger.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Encoding = 'br' | 'gzip' | 'identity';

interface BuiltPage {
  /** Weak: the same page in every encoding (Vary: Accept-Encoding tells caches apart). */
  etag: string;
  bodies: Record<Encoding, Promise<Uint8Array>>;
}

/**
 * Serves GraphiQL's page, built once and shared by every request. The page inlines its assets
 * (about 9 MB): rendered per request, 8 concurrent loads were enough to exhaust a 192 MB heap.
 * Built on the first request (an API-only gateway never pays for it), compressed once per
 * encoding in zlib's thread pool (gzip about 2.4 MB, br about 2 MB), then answered from the same
 * bytes, with an ETag: a browser that has it gets 304.
 *
 * It answers exactly the requests yoga's own GraphiQL would (GET on the GraphQL endpoint that
 * accepts text/html), so yoga's renderer is turned off (`graphiql: false`).
 */
export function useSharedGraphiQLPage(options: {
  endpoint: string;
  render: () => Promise<string>;
  logger: Logger;
}): Plugin {
  let page: Promise<BuiltPage> | undefined;
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (!isGraphiQLRequest(request, url, options.endpoint)) return;
      page ??= buildPage(options.render).catch((error: unknown) => {
        page = undefined; // the next request tries again
        throw error;
      });
      return page
        .then((built) => respond(built, request, fetchAPI.Response))
        .catch((error: unknown) => {
          options.logger.error({ event: 'graphiql_unavailable', err: error }, 'the GraphiQL page could not be built');
          return new fetchAPI.Response('GraphiQL is unavailable; the GraphQL endpoint is not affected.', {
            status: 500,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          });
        })
        .then(endResponse);
    },
  };
}

function isGraphiQLRequest(request: Request, url: URL, endpoint: string): boolean {
  return (
    request.method === 'GET' &&
    (url.pathname === endpoint || url.pathname === `${endpoint}/`) &&
    (request.headers.get('accept') ?? '').includes('text/html')
  );
}

async function buildPage(render: () => Promise<string>): Promise<BuiltPage> {
  const identity = Buffer.from(await render(), 'utf8');
  const etag = `W/"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`;
  // Started together; a request waits only for the encoding it gets. Brotli's quality stays low
  // because the first page load waits for it; the maximum costs far more time for little size
  // (figures in README, Resilience: GraphiQL's page).
  const bodies: BuiltPage['bodies'] = {
    identity: Promise.resolve(identity),
    gzip: gzipAsync(identity, { level: 6 }),
    br: brotliAsync(identity, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
    }),
  };
  // A failed compression would surface on the request that needs it; never as an unhandled rejection.
  for (const body of Object.values(bodies)) body.catch(() => undefined);
  return { etag, bodies };
}

async function respond(page: BuiltPage, request: Request, ResponseCtor: typeof Response): Promise<Response> {
  const headers: Record<string, string> = {
    etag: page.etag,
    // Cached, but revalidated on every load: a new version of the gateway is seen at once.
    'cache-control': 'no-cache',
    vary: 'Accept-Encoding',
  };
  if (matchesETag(request.headers.get('if-none-match'), page.etag)) {
    return new ResponseCtor(null, { status: 304, headers });
  }
  const encoding = chooseEncoding(request.headers.get('accept-encoding'));
  const body = await page.bodies[encoding];
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  headers['content-type'] = 'text/html; charset=utf-8';
  headers['content-length'] = String(body.byteLength);
  // Node's Buffers are typed Uint8Array<ArrayBufferLike>; fetch's BodyInit wants an ArrayBuffer-backed one.
  return new ResponseCtor(body as Uint8Array<ArrayBuffer>, { status: 200, headers });
}

/** If-None-Match uses the weak comparison: W/"x" and "x" match. */
function matchesETag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** br if the client accepts it, else gzip, else the page as is; `;q=0` refuses a coding. */
export function chooseEncoding(acceptEncoding: string | null): Encoding {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [coding = '', ...params] = part.split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    if (coding && !(q && Number(q.slice(2)) === 0)) accepted.add(coding);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/**
 * GraphiQL from @graphql-yoga/render-graphiql, which inlines its assets (no CDN: it works offline
 * and behind strict CSPs). The bundle is a 9 MB string, so it is loaded on the first GraphiQL
 * request, not at start-up: an API-only gateway never pays its memory; the page is then built once.
 */
export async function renderBundledGraphiQL(graphiql: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(graphiql);
}
