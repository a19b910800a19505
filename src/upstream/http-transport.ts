import { Pool, errors, type Dispatcher } from 'undici';
import { UpstreamError } from './upstream-error.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, already URL-encoded, starting with '/'. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
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
  /** @default 32 */
  maxConnections: number;
  /** Larger bodies are cut off (never buffered whole) and reported as a bad response. */
  maxBodyBytes: number;
  /** Backstop for undici's own per-phase timers; the per-call deadline is what normally fires. */
  timeoutMs: number;
  /** Injected in tests; by default one long-lived keep-alive Pool per upstream. */
  dispatcher?: Dispatcher;
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

const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const base = new URL(options.baseUrl);
  const pathPrefix = base.pathname.replace(/\/+$/, '');
  const dispatcher =
    options.dispatcher ??
    new Pool(base.origin, {
      connections: options.maxConnections,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
      maxResponseSize: options.maxBodyBytes,
    });
  const ownsDispatcher = options.dispatcher === undefined;

  async function send(request: HttpRequest): Promise<HttpResponse> {
    try {
      const response = await dispatcher.request({
        origin: base.origin,
        path: pathPrefix + request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      const body = await readBody(response.body, options.maxBodyBytes, response.statusCode);
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      throw classifyTransportError(error, request.signal);
    }
  }

  return {
    send,
    close: async () => {
      if (ownsDispatcher) await dispatcher.destroy();
    },
  };
}

/**
 * Reads at most maxBytes; beyond that the stream is destroyed (which also frees the socket)
 * instead of buffering an unbounded answer. The Pool's maxResponseSize does the same for
 * connections it owns; this guard covers injected dispatchers too.
 */
async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new UpstreamError({
        reason: 'bad-response',
        answer: { status },
        detail: `response body exceeds ${maxBytes} bytes`,
      });
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function classifyTransportError(error: unknown, signal: AbortSignal): unknown {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) {
    return new UpstreamError({ reason: 'timeout', detail: 'deadline exceeded', cause: error });
  }
  if (error instanceof errors.HTTPParserError) {
    // undici's HTTP parser gave up: whatever answered does not speak HTTP/1.1 properly.
    return new UpstreamError({ reason: 'bad-response', detail: 'response is not HTTP/1.1', cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TIMEOUT_ERROR_CODES.has(code)) {
      return new UpstreamError({ reason: 'timeout', detail: code, cause: error });
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return new UpstreamError({ reason: 'bad-response', detail: 'response body too large', cause: error });
    }
    if (CONNECTION_ERROR_CODES.has(code)) {
      return new UpstreamError({ reason: 'connection', detail: code, cause: error });
    }
  }
  // Anything else is a bug on our side (bad arguments to undici): let it surface as masked.
  return error;
}
