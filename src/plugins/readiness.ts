import type { Plugin } from 'graphql-yoga';

/**
 * GET /ready: 200 while the gateway can serve, 503 while upstream calls would be refused (open
 * circuit) or the server is shutting down. /health stays a plain liveness check.
 * (yoga's useReadinessCheck matches a URLPattern on every request; a path comparison is enough.)
 */
export function useReadiness(isReady: () => boolean, endpoint: string): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const ready = isReady();
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: ready ? 'ready' : 'unavailable' }), {
          status: ready ? 200 : 503,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
