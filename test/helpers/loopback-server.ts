import type { Server } from 'node:net';
import { listenOn } from '../../src/server/http-server.js';

/** Starts `server` (a net or http server) on an ephemeral loopback port and returns its http:// URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  return (await listenOn(server, 0, '127.0.0.1', 'PORT')).url;
}
