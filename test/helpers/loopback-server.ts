import type { AddressInfo, Server } from 'node:net';

/** Starts `server` (a net or http server) on an ephemeral loopback port and returns its http:// URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
