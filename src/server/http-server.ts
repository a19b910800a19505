import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  server: Server;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
}

export interface ServerTimeouts {
  /** Whole request headers must arrive within this. */
  headersTimeout: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeout: number;
  /** Idle keep-alive sockets close after this. */
  keepAliveTimeout: number;
  /** How often Node checks the two limits above (its default, 30 s, would let them overrun). */
  connectionsCheckingInterval: number;
}

/** Slow clients cannot pin the server. */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
};

export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
): Promise<ListeningServer> {
  const server = createServer({ ...timeouts }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { server, port: address.port, url: `http://${shownHost}:${address.port}` };
}
