// The sandbox HTTP server: reads the body, records the request, lets the fault rules decide what
// happens to it, and otherwise hands it to the coins routes. Plain node:http so that keep-alive,
// resets and hangs behave exactly like a real socket would.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, createAdminRoutes } from './admin.js';
import { createFaultController } from './faults.js';
import type { FaultAction, FaultController } from './faults.js';
import { createOAuthServer, DEFAULT_OAUTH_CLIENT } from './oauth.js';
import type { OAuthClient, OAuthServer } from './oauth.js';
import { httpError } from './reply.js';
import type { Reply } from './reply.js';
import { createApiRoutes } from './routes.js';
import { createSandboxState } from './state.js';
import type { SandboxState } from './state.js';

export interface SandboxOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default sandbox-client / sandbox-secret / sandbox-user / sandbox-password */
  oauthClient?: OAuthClient;
  /**
   * Start with the coin configuration of the EnKash docs' examples (WCC817428: CEKEKCARDS,
   * MEAL_CARD_PAYMENT, 6 coins, DEFAULT), so that documented ids work as given; a reset() puts it
   * back. @default false
   */
  seedDocumentedExamples?: boolean;
  /** `expires_in` of issued tokens. @default 300 (the docs say tokens live 5 minutes) */
  tokenTtlSeconds?: number;
  /**
   * Coins routes accept only access tokens issued by this sandbox's `/oauth/token`, not revoked
   * and not expired (401 otherwise). @default false (any non-empty bearer token is accepted)
   */
  strictTokens?: boolean;
  /**
   * Stop recording API requests after this many (the oldest are kept), so a long benchmark
   * against the sandbox does not grow memory without bound. @default Infinity
   */
  maxRecordedRequests?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query string exactly as received. */
  path: string;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Raw body text, '' when none (and when the body was over the size cap). */
  body: string;
}

export interface SandboxServer {
  /** e.g. 'http://127.0.0.1:43123', no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every API request (not the /__sandbox/ ones) in arrival order, faulted ones included. */
  readonly requests: RecordedRequest[];
  readonly faults: FaultController;
  readonly state: SandboxState;
  /** The token endpoint: token request counts by grant, issued tokens, revocation. */
  readonly oauth: OAuthServer;
  /**
   * Back to the start: clears state, faults, issued tokens, token counters, the login lock-out and
   * recorded requests, then seeds the docs' example again when the sandbox started with it.
   */
  reset(): void;
  /** Closes the server and destroys open sockets, hung and keep-alive ones included. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

const PAYLOAD_TOO_LARGE = httpError(413, 'Request body too large');
const INTERNAL_ERROR = httpError(500, 'Internal server error');

function noop(): void {}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
  return headers;
}

function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  try {
    res.statusCode = reply.status;
    const headers = reply.headers;
    let hasLength = false;
    if (headers) {
      for (const name in headers) {
        res.setHeader(name, headers[name] as string);
        if (name.toLowerCase() === 'content-length') hasLength = true;
      }
    }
    if (!hasLength) res.setHeader('content-length', Buffer.byteLength(reply.body));
    res.end(reply.body);
  } catch {
    // Only reachable with bad headers from a programmatic 'respond' fault: answer something sane.
    if (!res.headersSent) {
      res.removeHeader('content-length');
      res.statusCode = INTERNAL_ERROR.status;
      res.setHeader('content-type', 'application/json');
      res.end(INTERNAL_ERROR.body);
    } else {
      res.destroy();
    }
  }
}

/** Reads the body as UTF-8 text; over the cap the rest is drained and discarded (then 413). */
function readBody(req: IncomingMessage, done: (body: string, tooLarge: boolean) => void): void {
  let chunks: Buffer[] | undefined;
  let first: Buffer | undefined;
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      first = undefined;
      chunks = undefined;
    } else if (first === undefined) {
      first = chunk;
    } else {
      chunks ??= [first];
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (tooLarge) done('', true);
    else if (chunks) done(Buffer.concat(chunks).toString('utf8'), false);
    else done(first ? first.toString('utf8') : '', false);
  });
}

/** The configuration the EnKash Create Event page shows in its response example. */
export const DOCUMENTED_EXAMPLE_CONFIG = {
  coinConfigId: 'WCC817428',
  configuration: 'DEFAULT',
  companyId: 'CEKEKCARDS',
  event: 'MEAL_CARD_PAYMENT',
  amount: 6,
} as const;

export function startSandbox(options: SandboxOptions = {}): Promise<SandboxServer> {
  const host = options.host ?? '127.0.0.1';
  const maxRecorded = options.maxRecordedRequests ?? Infinity;
  const state = createSandboxState();
  // npm start's sandbox: GraphiQL's examples use WCC817428, so a reset must not take it away.
  const seed = () => {
    if (options.seedDocumentedExamples) state.seedConfig(DOCUMENTED_EXAMPLE_CONFIG);
  };
  seed();
  const faults = createFaultController();
  const oauth = createOAuthServer(options.oauthClient ?? DEFAULT_OAUTH_CLIENT, {
    tokenTtlSeconds: options.tokenTtlSeconds ?? 300,
    strictTokens: options.strictTokens ?? false,
  });
  const route = createApiRoutes(state, oauth);
  const requests: RecordedRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();

  function reset(): void {
    state.reset();
    seed();
    faults.clear();
    oauth.reset();
    // Emptied in place: tests may hold a reference to the array.
    requests.length = 0;
  }

  const admin = createAdminRoutes({ state, faults, oauth, requests, reset });

  function processRequest(
    method: string,
    path: string,
    query: string,
    req: IncomingMessage,
    body: string,
    tooLarge: boolean,
  ): Reply {
    if (tooLarge) return PAYLOAD_TOO_LARGE;
    try {
      return route({ method, path, query, authorization: req.headers.authorization, body });
    } catch {
      return INTERNAL_ERROR;
    }
  }

  function applyFault(action: FaultAction, req: IncomingMessage, res: ServerResponse, run: () => Reply): void {
    switch (action.kind) {
      case 'respond':
        writeReply(res, { status: action.status, headers: action.headers ?? {}, body: action.body ?? '' });
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          delayed.delete(timer);
          // Processed even if the client gave up meanwhile: a real server would not know.
          writeReply(res, run());
        }, action.ms);
        delayed.add(timer);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'reset-after-processing':
        run();
        req.socket.destroy();
        return;
      case 'hang':
        // Nothing: close() destroys the socket.
        return;
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    // A client that disconnects mid-body makes req emit 'error'; it must never crash the server.
    req.on('error', noop);
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q + 1);

    readBody(req, (body, tooLarge) => {
      if (path.startsWith(ADMIN_PREFIX)) {
        writeReply(res, tooLarge ? PAYLOAD_TOO_LARGE : safeAdmin(method, path, body));
        return;
      }
      if (requests.length < maxRecorded) {
        requests.push({ method, path: rawUrl, headers: recordHeaders(req), body });
      }
      const fault = faults.match(method, path);
      if (fault === undefined) {
        writeReply(res, processRequest(method, path, query, req, body, tooLarge));
        return;
      }
      applyFault(fault, req, res, () => processRequest(method, path, query, req, body, tooLarge));
    });
  }

  function safeAdmin(method: string, path: string, body: string): Reply {
    try {
      return admin(method, path, body);
    } catch {
      return INTERNAL_ERROR;
    }
  }

  const server = createServer(handle);

  return new Promise<SandboxServer>((resolve, reject) => {
    // Worded like the gateway's own ports (src/server/http-server.ts), without importing it: the
    // sandbox stays independent of the rest of src/.
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `SANDBOX_PORT=${options.port}: the port is already in use on ${host} (EADDRINUSE); choose another SANDBOX_PORT`,
            )
          : error,
      );
    server.once('error', refuse);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', refuse);
      const port = (server.address() as AddressInfo).port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      let closing: Promise<void> | undefined;
      resolve({
        url,
        port,
        requests,
        faults,
        state,
        oauth,
        reset,
        close() {
          if (closing) return closing;
          for (const timer of delayed) clearTimeout(timer);
          delayed.clear();
          closing = new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
