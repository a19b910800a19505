import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { MAX_REQUEST_BODY_BYTES, SERVER_TIMEOUTS } from '../limits.js';

export interface ListeningServer {
  server: Server;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
}

/** Node's server timeouts, in milliseconds: each one is described at SERVER_TIMEOUTS in src/limits.ts. */
export type ServerTimeouts = Record<keyof typeof SERVER_TIMEOUTS, number>;

/**
 * `maxConnections` caps open client connections (MAX_CLIENT_CONNECTIONS): past it, Node closes
 * each new connection as soon as it is accepted, without reading it (the client sees the
 * connection closed or reset, never a half-served request), and emits 'drop'. Unset: no cap.
 */
export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
  maxConnections?: number,
  portVariable = 'PORT',
): Promise<ListeningServer> {
  const server = createServer({ ...timeouts }, handler);
  if (maxConnections !== undefined) server.maxConnections = maxConnections;
  server.on('checkContinue', (request, response) => answerExpectContinue(server, request, response));
  return { server, ...(await listenOn(server, port, host, portVariable)) };
}

/**
 * `Expect: 100-continue` (curl sends it for large bodies): without this listener Node answers
 * "100 Continue" before anyone has looked at the request, and the client uploads a body that the
 * gateway then refuses with 413 (useRequestBodyLimit). A body declared over MAX_REQUEST_BODY_BYTES
 * gets its 413 at once instead, and the connection closes after it: the client has not sent the
 * body, and a connection whose declared body never comes cannot carry another request. Every
 * other request gets its 100 Continue and is handled as usual.
 */
function answerExpectContinue(server: Server, request: IncomingMessage, response: ServerResponse): void {
  if (Number(request.headers['content-length']) > MAX_REQUEST_BODY_BYTES) response.setHeader('connection', 'close');
  else response.writeContinue();
  server.emit('request', request, response);
}

/**
 * Starts `server` listening. The URL names a host a browser can open. When the port cannot be
 * bound it rejects with a message that names the setting to change (`portVariable`, or HOST),
 * since that is what the operator has to fix.
 */
export async function listenOn(
  server: NetServer,
  port: number,
  host: string,
  portVariable: string,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => reject(listenError(error, portVariable, port, host));
    server.once('error', refuse);
    server.listen(port, host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { port: address.port, url: `http://${shownHost}:${address.port}` };
}

/**
 * Reports connections refused by the cap, summed over `intervalMs`: a flood of refusals makes one
 * log line a second, not one per connection.
 */
export function onDroppedConnections(server: Server, report: (dropped: number) => void, intervalMs = 1_000): void {
  let dropped = 0;
  server.on('drop', () => {
    dropped += 1;
    if (dropped > 1) return;
    setTimeout(() => {
      report(dropped);
      dropped = 0;
    }, intervalMs).unref();
  });
}

/** Why a port could not be bound, in terms of the variable that sets it. */
export function listenError(error: NodeJS.ErrnoException, portVariable: string, port: number, host: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new Error(
        `${portVariable}=${port}: the port is already in use on ${host} (EADDRINUSE); choose another ${portVariable}`,
      );
    case 'EACCES':
      return new Error(
        `${portVariable}=${port}: no permission to listen on it (EACCES; ports below 1024 need privileges)`,
      );
    case 'EADDRNOTAVAIL':
      return new Error(`HOST=${host}: not an address of this machine (EADDRNOTAVAIL)`);
    default:
      return error;
  }
}
