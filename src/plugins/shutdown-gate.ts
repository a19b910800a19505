import type { Plugin } from 'graphql-yoga';
import { shuttingDown } from '../errors/graphql-errors.js';

/**
 * Once shutdown began, no new operation starts, and no connection is kept for another request:
 * - a request arriving on a connection that is still open (keep-alive) is answered 503
 *   SHUTTING_DOWN with `connection: close`, before anything runs (nothing was done, so clients
 *   may send it again, elsewhere); /health and /ready keep answering (their own way);
 * - every response, including those of operations already in flight, carries
 *   `connection: close`, so Node closes the socket after it instead of waiting for the next
 *   request. Without this, keep-alive clients kept sending requests that were admitted until
 *   the shutdown timeout cut them, credited allocations included.
 * The listener itself is closed by src/server/graceful-shutdown.ts: new connections are refused.
 */
export function useShutdownGate(isShuttingDown: () => boolean, exemptPaths: readonly string[]): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (!isShuttingDown() || exemptPaths.includes(url.pathname)) return;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [shuttingDown().toJSON()] }), {
          status: 503,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'cache-control': 'no-store',
            connection: 'close',
          },
        }),
      );
    },
    onResponse({ response }) {
      if (isShuttingDown()) response.headers.set('connection', 'close');
    },
  };
}
