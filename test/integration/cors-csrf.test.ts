import { describe, expect, it } from 'vitest';
import { CORS_MAX_AGE_SECONDS } from '../../src/plugins/cors.js';
import { AUTH, useTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';

/** Browsers: which origins may call cross-origin (CORS), and which bodies may run an operation (CSRF). */

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';
const READ = '{ coinEvent(coinConfigId: "CSRF1") { coinConfigId amount } }';
const READ_ANSWER = { data: { coinEvent: { coinConfigId: 'CSRF1', amount: 6 } } };
const CREATE =
  'mutation { createCoinEvent(input: { configuration: DEFAULT, companyId: "CEKEKCARDS", event: "CSRF_EVENT", amount: 6 }) { coinConfigId } }';

/** What a browser sends before a cross-origin JSON POST with an Authorization header. */
async function preflight(gateway: TestGateway, origin: string, requestHeaders = 'content-type, authorization') {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
  });
  await res.arrayBuffer();
  return res;
}

/** The configuration READ reads, put straight into the sandbox's state (no recorded request). */
function seed(gateway: TestGateway): void {
  gateway.sandbox.state.seedConfig({
    coinConfigId: 'CSRF1',
    configuration: 'DEFAULT',
    companyId: 'CEKEKCARDS',
    event: 'CSRF_READ',
    amount: 6,
  });
}

async function postFrom(gateway: TestGateway, origin: string) {
  seed(gateway);
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', authorization: AUTH },
    body: JSON.stringify({ query: READ }),
  });
  return { res, body: (await res.json()) as unknown };
}

/**
 * The response headers a cross-origin script may read besides the CORS-safelisted ones: the
 * request id, and the caller rate limit's headers (a browser app backs off on RATE_LIMITED by them).
 */
const EXPOSED = [
  'x-request-id',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
];

/** Access-Control-Expose-Headers as a sorted list of lower-case names (duplicates kept, to be seen). */
function exposedHeaders(res: Response): string[] | null {
  const value = res.headers.get('access-control-expose-headers');
  if (value === null) return null;
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .sort();
}

/** Every CORS response header, to assert that none is there. */
function corsHeaders(res: Response): Record<string, string> {
  const found: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) found[name] = value;
  });
  return found;
}

describe('CORS with CORS_ORIGINS set to exact origins', () => {
  const gateway = useTestGateway({
    COINS_API_URL: 'http://127.0.0.1:9',
    CORS_ORIGINS: `${APP}, http://localhost:5173`,
  });

  it('a preflight from a listed origin allows GET and POST, the client headers and no credentials, with a max-age', async () => {
    const res = await preflight(gateway, APP);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers':
        'content-type, authorization, x-request-id, apollographql-client-name, apollographql-client-version, traceparent, tracestate',
      'access-control-expose-headers':
        'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy',
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    });
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('each listed origin is answered with itself', async () => {
    const res = await preflight(gateway, 'http://localhost:5173');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('a POST from a listed origin runs and carries the CORS headers', async () => {
    const { res, body } = await postFrom(gateway, APP);
    expect(res.status).toBe(200);
    expect(body).toEqual(READ_ANSWER);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('a POST from a listed origin exposes exactly the request id and the rate-limit headers to scripts', async () => {
    const { res } = await postFrom(gateway, APP);
    expect(res.status).toBe(200);
    expect(exposedHeaders(res)).toEqual([...EXPOSED].sort());
    // the one exposed header every answer carries is really there to be read
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  });

  it.each([OTHER, 'null', 'https://app.example.com.evil.net', 'http://app.example.com', APP.toUpperCase()])(
    'an unlisted origin (%s) gets no CORS header at all, on the preflight and on the request',
    async (origin) => {
      const pre = await preflight(gateway, origin);
      expect(corsHeaders(pre)).toEqual({});
      const { res } = await postFrom(gateway, origin);
      expect(corsHeaders(res)).toEqual({});
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
    },
  );

  it('a request without Origin (a server, curl) gets no CORS headers and works as before', async () => {
    const res = await gateway.post({ query: READ });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(corsHeaders(res)).toEqual({});
  });
});

describe('CORS with the caller rate limit on (RATE_LIMIT_OPERATIONS)', () => {
  const gateway = useTestGateway({
    COINS_API_URL: 'http://127.0.0.1:9',
    CORS_ORIGINS: APP,
    RATE_LIMIT_OPERATIONS: '1',
    RATE_LIMIT_WINDOW_MS: '60000',
  });

  async function postAs(origin: string) {
    seed(gateway);
    return gateway.post({ query: READ }, { origin });
  }

  it('a listed origin can read Retry-After and the RateLimit headers of a 429', async () => {
    const counted = await postAs(APP);
    expect(counted.status).toBe(200);
    expect(await counted.json()).toEqual(READ_ANSWER);
    expect(counted.headers.get('ratelimit-remaining')).toBe('0');

    const refused = await postAs(APP);
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string; retryAfter: number } }> };
    expect(refused.status).toBe(429);
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    expect(refused.headers.get('retry-after')).toBe(String(body.errors[0]?.extensions.retryAfter));
    expect(refused.headers.get('ratelimit-limit')).toBe('1');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-policy')).toBe('1;w=60');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(exposedHeaders(refused)).toEqual([...EXPOSED].sort());
    // every exposed header is really on the 429, for the app to read
    for (const name of EXPOSED) {
      expect(refused.headers.get(name), name).not.toBeNull();
    }
    // only the allowed one reached the upstream
    expect(upstreamCalls(gateway.sandbox)).toEqual(['GET /api/v0/enkash-coins/CSRF1']);
  });

  it('an unlisted origin still gets no CORS header at all, rate-limited or not', async () => {
    // The caller's one operation per window is used up by this first post at the latest.
    const first = await postAs(OTHER);
    await first.arrayBuffer();
    expect(first.headers.get('ratelimit-limit')).toBe('1');
    expect(corsHeaders(first)).toEqual({});
    const refused = await postAs(OTHER);
    await refused.arrayBuffer();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(corsHeaders(refused)).toEqual({});
  });
});

describe('CORS with a real upstream and CORS_ORIGINS unset', () => {
  const gateway = useTestGateway({ COINS_API_URL: 'http://127.0.0.1:9' });

  it('no origin gets cross-origin access', async () => {
    for (const origin of [APP, 'http://localhost:3000', 'null']) {
      expect(corsHeaders(await preflight(gateway, origin))).toEqual({});
      expect(corsHeaders((await postFrom(gateway, origin)).res)).toEqual({});
    }
  });
});

describe('CORS in sandbox mode (default "*")', () => {
  const gateway = useTestGateway();

  // "null" (a sandboxed iframe, a file:// page) gets the wildcard too, never an echoed
  // `Access-Control-Allow-Origin: null` (which would allow it specifically).
  it.each([APP, 'http://localhost:3000', 'null'])(
    'any origin (%s) may call: answered with the wildcard, never its origin echoed, without credentials',
    async (origin) => {
      const pre = await preflight(gateway, origin);
      expect(pre.status).toBe(204);
      expect(corsHeaders(pre)).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers':
          'content-type, authorization, x-request-id, apollographql-client-name, apollographql-client-version, traceparent, tracestate',
        'access-control-expose-headers': EXPOSED.join(', '),
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      });
      const { res, body } = await postFrom(gateway, origin);
      expect(res.status).toBe(200);
      expect(body).toEqual(READ_ANSWER);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(exposedHeaders(res)).toEqual([...EXPOSED].sort());
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
    },
  );

  it('a refused request gets the wildcard too, and a request without Origin no CORS header', async () => {
    const refused = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'null', 'content-type': 'text/plain', authorization: AUTH },
      body: JSON.stringify({ query: READ }),
    });
    await refused.arrayBuffer();
    expect(refused.status).toBe(415);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    const plain = await gateway.post({ query: READ });
    await plain.arrayBuffer();
    expect(corsHeaders(plain)).toEqual({});
  });
});

describe('CSRF: only JSON bodies run an operation', () => {
  const gateway = useTestGateway();

  async function postBody(contentType: string | undefined, body: string | FormData) {
    const headers: Record<string, string> = { origin: OTHER, authorization: AUTH };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers, body });
    return { res, body: (await res.json()) as unknown };
  }

  const json = JSON.stringify({ query: CREATE });
  const form = new URLSearchParams({ query: CREATE }).toString();

  it.each([
    ['application/x-www-form-urlencoded', form],
    ['application/x-www-form-urlencoded; charset=UTF-8', form],
    ['text/plain', json],
    ['text/plain;charset=UTF-8', json],
    ['application/graphql', CREATE],
    ['', json],
  ])('Content-Type %j: 415 UNSUPPORTED_MEDIA_TYPE, nothing sent upstream', async (contentType, body) => {
    const { res, body: answer } = await postBody(contentType, body);
    expect(res.status).toBe(415);
    expect(answer).toEqual({
      errors: [
        {
          message:
            'Unsupported Media Type: a GraphQL POST body must be application/json, application/graphql-response+json, ' +
            'application/graphql+json (send Content-Type: application/json).',
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
        },
      ],
    });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('multipart/form-data (what an HTML form with enctype=multipart sends): 415, nothing sent upstream', async () => {
    const data = new FormData();
    data.set('operations', json);
    data.set('map', '{}');
    const { res, body } = await postBody(undefined, data);
    expect(res.status).toBe(415);
    expect(body).toMatchObject({ errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('a POST with no Content-Type at all: 415', async () => {
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { authorization: AUTH },
      body: new Blob([json]),
    });
    expect(res.headers.get('content-type')).not.toBeNull();
    expect(res.status).toBe(415);
    await res.arrayBuffer();
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/graphql+json',
    'application/graphql-response+json',
    // Media types are case-insensitive, and a space may precede the parameters (RFC 9110).
    'Application/JSON',
    'APPLICATION/JSON; charset=utf-8',
    'application/json ; charset=utf-8',
    'Application/GraphQL+JSON',
    'Application/GraphQL-Response+JSON',
  ])('Content-Type %j runs the operation', async (contentType) => {
    seed(gateway);
    const { res, body } = await postBody(contentType, JSON.stringify({ query: READ }));
    expect(res.status).toBe(200);
    expect(body).toEqual(READ_ANSWER);
    expect(upstreamCalls(gateway.sandbox)).toEqual(['GET /api/v0/enkash-coins/CSRF1']);
  });

  it('invalid JSON under application/graphql-response+json: 400 BAD_REQUEST', async () => {
    const { res, body } = await postBody('application/graphql-response+json', '{"query":');
    expect(res.status).toBe(400);
    expect(body).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('GET stays query-only: a mutation over GET is refused (405) and nothing is sent upstream', async () => {
    const res = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent(CREATE)}`, {
      headers: { origin: OTHER, authorization: AUTH },
    });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });
});
