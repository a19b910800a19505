import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listenOn } from '../server/http-server.js';

export interface MetricsServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` in Prometheus text format on a listener of its own, so the public GraphQL port
 * never exposes it (operators firewall this port, or bind HOST to an internal interface).
 * Anything else answers 404; a failed collection answers 500 without details.
 */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics collection failed\n');
      },
    );
  });
  // Scrapers keep connections open; they must not delay shutdown.
  server.keepAliveTimeout = 5_000;
  const listening = await listenOn(server, port, host, 'METRICS_PORT');
  return {
    server,
    port: listening.port,
    url: `${listening.url}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
