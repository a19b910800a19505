import type { Plugin, YogaServerOptions } from 'graphql-yoga';

/** How long a browser may cache a preflight answer (Chromium caps it at 7200 s anyway). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Request headers a browser GraphQL client may send cross-origin (besides the CORS-safelisted
 * ones): the body's type, the caller's token, a request id, Apollo's client-identification
 * headers and W3C trace context. Anything else makes the preflight fail.
 */
const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-request-id',
  'apollographql-client-name',
  'apollographql-client-version',
  // W3C trace context: the gateway continues a browser's trace (src/observability).
  'traceparent',
  'tracestate',
] as const;

/**
 * Response headers a cross-origin script may read (Access-Control-Expose-Headers). A browser
 * hides every other one from it, except the CORS-safelisted Cache-Control, Content-Language,
 * Content-Length, Content-Type, Expires, Last-Modified and Pragma, even though it received them.
 */
const CORS_EXPOSED_HEADERS = [
  // The request's id (src/observability/request-id.ts): what an app shows or logs so that a
  // failure can be found in the gateway's logs and traces.
  'x-request-id',
  // How long to wait after RATE_LIMITED: the caller limit's 429 (callerRateLimited in
  // src/errors/graphql-errors.ts). README tells clients to back off by it.
  'retry-after',
  // The caller limit's budget on every counted answer (src/rate-limit/use-caller-rate-limit.ts),
  // so that an app can slow down before it is refused.
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
] as const;

/**
 * Which origins may call the gateway from a browser: `'*'` (any, sandbox mode only; answered
 * `Access-Control-Allow-Origin: *`, see useAnyOriginAsWildcard) or exact origins such as
 * `https://app.example.com`. An empty list: no cross-origin access at all.
 */
export type CorsOrigins = '*' | readonly string[];

type YogaCorsOption = NonNullable<YogaServerOptions<Record<string, unknown>, Record<string, unknown>>['cors']>;

/**
 * yoga's `cors` option as a per-request factory. The factory, rather than yoga's static
 * `origin` list, because of two of yoga's defaults: it answers an unlisted origin with
 * `Access-Control-Allow-Origin: null`, which a sandboxed iframe or a file:// page (whose Origin
 * IS "null") would pass; and it sends `Access-Control-Allow-Credentials: true` unless told
 * otherwise, while this gateway uses no cookies. Here an unlisted origin gets no CORS header at
 * all, and credentials are never allowed.
 */
export function corsOptions(origins: CorsOrigins): YogaCorsOption {
  const allowed = origins === '*' ? undefined : new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || (allowed !== undefined && !allowed.has(origin))) return false;
    return {
      // A one-entry list is echoed as is: exactly the origin that asked, never a wildcard.
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: [...CORS_ALLOWED_HEADERS],
      exposedHeaders: [...CORS_EXPOSED_HEADERS],
      maxAge: CORS_MAX_AGE_SECONDS,
    };
  };
}

/**
 * With CORS_ORIGINS=* every origin is answered `Access-Control-Allow-Origin: *`, not its own
 * origin echoed (what yoga does for a wildcard, and corsOptions for a listed origin). An echo
 * would answer the `null` origin, shared by every sandboxed iframe and file:// page, with an
 * explicit `Access-Control-Allow-Origin: null`, the answer security scanners and the CORS
 * guidance flag; `*` grants exactly what the setting says (any origin, without credentials:
 * browsers refuse to combine `*` with credentials, so it cannot turn into more). Runs after
 * yoga's CORS headers are set.
 */
export function useAnyOriginAsWildcard(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.has('access-control-allow-origin')) response.headers.set('access-control-allow-origin', '*');
    },
  };
}

/**
 * `Vary: Origin` on every answer to a request that named an origin: whether CORS headers are
 * there depends on it, so a shared cache must not hand one origin's answer to another (yoga only
 * adds Vary when it reflects a wildcard).
 */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ request, response }) {
      if (request.headers.get('origin') === null) return;
      const vary = response.headers.get('vary');
      if (vary === null) response.headers.set('vary', 'Origin');
      else if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
    },
  };
}
