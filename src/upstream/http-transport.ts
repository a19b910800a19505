import { Pool, errors } from 'undici';
import type { Deadline } from './deadline.js';
import { UpstreamError } from './upstream-error.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, already URL-encoded, starting with '/'. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request when it passes; its expiry makes the failure a timeout. */
  deadline: Deadline;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Destroys the pool. It runs after the server drained: no GraphQL request waits for an upstream
   * answer any more, and a call still in flight belongs to a client that went away (or to a
   * hung upstream), so there is nothing to wait for.
   */
  close(): Promise<void>;
}

export interface HttpTransportOptions {
  /** Base URL of the upstream; a path prefix (https://host/prefix) is kept. */
  baseUrl: string;
  /** Connections to the upstream at most (COINS_API_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Larger bodies are cut off (never buffered whole) and reported as a bad response. */
  maxBodyBytes: number;
  /** Backstop for undici's own per-phase timers; the per-call deadline is what normally fires. */
  timeoutMs: number;
}

/** undici error codes that mean "no usable connection": the request may not have been processed. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/**
 * Local exhaustion on connect: too many open files in this process (EMFILE) or system (ENFILE),
 * or no ephemeral port left (EADDRNOTAVAIL). Not the upstream's fault, and not a bug either.
 */
const LOCAL_RESOURCE_ERROR_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL']);

const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const base = new URL(options.baseUrl);
  const pathPrefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.maxConnections,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
    // undici counts the bytes as they stream in and aborts past the limit: never buffered whole.
    maxResponseSize: options.maxBodyBytes,
  });

  async function send(request: HttpRequest): Promise<HttpResponse> {
    let status: number | undefined;
    try {
      const response = await pool.request({
        origin: base.origin,
        path: pathPrefix + request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.deadline.signal,
      });
      status = response.statusCode;
      const body = await response.body.text();
      return { status, headers: response.headers, body };
    } catch (error) {
      throw classifyTransportError(error, request.deadline, status);
    }
  }

  return {
    send,
    close: async () => {
      await pool.destroy();
    },
  };
}

/** Maps what undici (or the socket under it) threw onto an UpstreamError; anything else passes as is. */
export function classifyTransportError(error: unknown, deadline: Deadline, status: number | undefined): unknown {
  if (error instanceof UpstreamError) return error;
  const answer = status === undefined ? undefined : { status };
  if (deadline.expired) {
    return new UpstreamError({ reason: 'timeout', answer, detail: 'deadline exceeded', cause: error });
  }
  if (error instanceof errors.HTTPParserError) {
    // undici's HTTP parser gave up: whatever answered does not speak HTTP/1.1 properly.
    return new UpstreamError({ reason: 'bad-response', detail: 'response is not HTTP/1.1', cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TIMEOUT_ERROR_CODES.has(code)) {
      return new UpstreamError({ reason: 'timeout', answer, detail: code, cause: error });
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return new UpstreamError({ reason: 'bad-response', answer, detail: 'response body too large', cause: error });
    }
    if (LOCAL_RESOURCE_ERROR_CODES.has(code)) {
      return new UpstreamError({ reason: 'local-resources', answer, detail: code, cause: error });
    }
    if (CONNECTION_ERROR_CODES.has(code)) {
      return new UpstreamError({ reason: 'connection', answer, detail: code, cause: error });
    }
  }
  // Anything else is a bug on our side (bad arguments to undici): let it surface as masked.
  return error;
}
