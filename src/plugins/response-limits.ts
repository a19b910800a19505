import { processRegularResult, type Plugin } from 'graphql-yoga';
import { responseTooLarge } from '../errors/graphql-errors.js';

export interface ResponseLimits {
  /** Errors kept in one result; the rest are counted in `extensions.omittedErrors`. */
  maxErrors: number;
  /** Bytes of a JSON response body; a larger one is replaced by one RESPONSE_TOO_LARGE error. */
  maxBytes: number;
}

/** Responses this plugin put in place of a too large answer (observability counts them as such). */
const tooLargeReplacements = new WeakSet<Response>();

/** The response is RESPONSE_TOO_LARGE in place of the answer the operations produced. */
export function isTooLargeReplacement(response: Response): boolean {
  return tooLargeReplacements.has(response);
}

/** The answers this gateway sends (yoga's regular result processor). */
const JSON_RESPONSE_TYPES = ['application/graphql-response+json', 'application/json'];

/**
 * Bounds what one answer can cost. Errors are cut before the result is serialized (2000 failing
 * list entries would otherwise be 2000 errors); the byte bound is the last line of defence and is
 * read from the serialized response's Content-Length (yoga's fetch ponyfill sets it from the
 * string it was given), so no answer is serialized twice.
 *
 * The replacement keeps the answer's headers (CORS, x-request-id, `connection: close` during
 * shutdown): without Access-Control-Allow-Origin a browser app would see a network error instead
 * of RESPONSE_TOO_LARGE. A batch stays a batch: an array with the error once per operation, as
 * batching clients (Apollo's BatchHttpLink, graphql-request) match results to operations by position.
 */
export function useResponseLimits(limits: ResponseLimits): Plugin {
  /** The number of results of each batch answer (an array), for its replacement. */
  const batchLengths = new WeakMap<Request, number>();
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor, acceptableMediaTypes }) {
      // Read off the answer itself: nothing to allocate for the usual single result, and a batch
      // refused whole (one error, not an array) is replaced by one error too.
      if (Array.isArray(result)) batchLengths.set(request, result.length);
      // The gateway serves no subscriptions and no incremental delivery, yet yoga would stream a
      // result as text/event-stream or multipart/mixed to a client that accepts only those: an
      // answer without Content-Length, past the byte bound. Such a client gets 406, as one that
      // accepts only text/html does, and the 406 lists the JSON types it could ask for instead.
      if (resultProcessor === processRegularResult) return;
      acceptableMediaTypes.splice(0, acceptableMediaTypes.length, ...JSON_RESPONSE_TYPES);
      // No processor: yoga answers 406 with an Accept header of acceptableMediaTypes.
      setResultProcessor(undefined as unknown as typeof processRegularResult, '*/*');
    },
    onExecutionResult({ result, setResult }) {
      if (!result || Symbol.asyncIterator in result) return;
      const errors = result.errors;
      if (!errors || errors.length <= limits.maxErrors) return;
      setResult({
        ...result,
        errors: errors.slice(0, limits.maxErrors),
        extensions: { ...result.extensions, omittedErrors: errors.length - limits.maxErrors },
      });
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const length = Number(response.headers.get('content-length'));
      const type = response.headers.get('content-type') ?? '';
      if (!(length > limits.maxBytes) || !/json/.test(type)) return;
      // The body is dropped unread; the client learns why, with a code it can switch on.
      void response.body?.cancel().catch(() => undefined);
      const answer = {
        errors: [
          responseTooLarge(
            `The response would be ${length} bytes; the gateway sends at most ${limits.maxBytes}. Ask for less in one operation.`,
          ),
        ],
      };
      const batchLength = batchLengths.get(request);
      const body = JSON.stringify(
        batchLength === undefined ? answer : Array.from({ length: batchLength }, () => answer),
      );
      const headers = new fetchAPI.Headers(response.headers);
      // Those of the dropped body; the new one gets its own length.
      headers.delete('content-length');
      headers.delete('content-encoding');
      headers.set('content-type', type);
      const replacement = new fetchAPI.Response(body, { status: response.status, headers });
      tooLargeReplacements.add(replacement);
      setResponse(replacement);
    },
  };
}
