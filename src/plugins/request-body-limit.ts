import type { Plugin } from 'graphql-yoga';
import { badRequest, requestEntityTooLarge } from '../errors/graphql-errors.js';

/**
 * Refuses GraphQL request bodies over `limitBytes` with 413 REQUEST_ENTITY_TOO_LARGE, before they
 * are buffered. It replaces yoga's `maxRequestBodySize` (turned off in src/gateway.ts), which is
 * correct but pipes EVERY body through a TransformStream and a second Request: a stream pipeline,
 * an AbortController and a DOMException per request, and the garbage of all three (their cost is
 * in the README's Performance notes). Node's HTTP parser never delivers more than the Content-Length it
 * declared (and refuses a request that has both Content-Length and chunked encoding), so a body
 * with a valid Content-Length within the limit needs no counting at all; only a chunked body
 * (no Content-Length) is counted as it streams in, the way yoga does it.
 */
export function useRequestBodyLimit(limitBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        // Only one non-negative integer is a valid Content-Length (anything else smells of
        // request smuggling); Node's parser already refuses most of these with 400.
        if (!/^\d+$/.test(contentLength)) throw badRequest('Content-Length header is invalid.');
        if (Number(contentLength) > limitBytes) throw requestEntityTooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((original) => parse(withCountedBody(original, limitBytes, fetchAPI)));
    },
  };
}

type FetchAPI = Parameters<NonNullable<Plugin['onRequestParse']>>[0]['fetchAPI'];

/** The same request, its body errored with 413 as soon as more than `limitBytes` have arrived. */
function withCountedBody(request: Request, limitBytes: number, fetchAPI: FetchAPI): Request {
  let bytesRead = 0;
  // A native ReadableStream must be piped through the native TransformStream, the ponyfill's
  // through the ponyfill's (graphql-yoga issue 4583).
  const TransformStreamCtor = request.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
  const counted = request.body!.pipeThrough(
    new TransformStreamCtor<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > limitBytes) controller.error(requestEntityTooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted,
    // @ts-expect-error -- `duplex` is required by fetch for a streamed body, missing from the DOM types
    duplex: 'half',
  });
}
