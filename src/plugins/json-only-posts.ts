import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { badRequest, unsupportedMediaType } from '../errors/graphql-errors.js';

/**
 * The media types a GraphQL POST body may have. A browser sends any of these cross-origin only
 * after a CORS preflight, which the gateway answers for allowed origins only.
 */
const ACCEPTED_POST_MEDIA_TYPES: readonly string[] = [
  'application/json',
  'application/graphql-response+json',
  'application/graphql+json',
];

/**
 * CSRF defence: a POST must carry a JSON body. The media types an HTML form or a "simple"
 * fetch can send without a preflight (application/x-www-form-urlencoded, multipart/form-data,
 * text/plain, or none at all) would otherwise reach yoga's form and multipart parsers and run
 * an operation on a victim's behalf, so they are refused with 415 UNSUPPORTED_MEDIA_TYPE before
 * anything is parsed or executed. GET requests stay query-only (yoga refuses mutations over GET).
 */
export function useJsonOnlyPosts(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST') return;
      const written = request.headers.get('content-type')?.split(';')[0];
      const mediaType = written?.trim().toLowerCase();
      if (mediaType === undefined || !ACCEPTED_POST_MEDIA_TYPES.includes(mediaType))
        throw unsupportedMediaType(UNSUPPORTED_MEDIA_TYPE_MESSAGE);
      // yoga itself parses application/json and application/graphql+json, but only when written
      // exactly so (media types are case-insensitive: `Application/JSON` is the same type, and yoga
      // would answer it with a bare 415); application/graphql-response+json it does not know.
      if (mediaType === 'application/graphql-response+json' || written !== mediaType) setRequestParser(parseJsonBody);
    },
  };
}

async function parseJsonBody(request: Request): Promise<GraphQLParams | GraphQLParams[]> {
  let body: unknown;
  try {
    body = await request.json();
  } catch (error) {
    // A body-limit error (413) is already a GraphQLError: keep it.
    if (error instanceof GraphQLError) throw error;
    throw badRequest('POST body sent invalid JSON.');
  }
  // An array is a batch, which yoga then limits (GRAPHQL_BATCH_LIMIT) as for application/json.
  if (body === null || typeof body !== 'object') {
    throw badRequest('POST body is expected to be a JSON object, or an array of them (a batch).');
  }
  return body as GraphQLParams | GraphQLParams[];
}

const UNSUPPORTED_MEDIA_TYPE_MESSAGE = `Unsupported Media Type: a GraphQL POST body must be ${ACCEPTED_POST_MEDIA_TYPES.join(', ')} (send Content-Type: application/json).`;
