import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { badRequest } from '../errors/graphql-errors.js';

/**
 * A GET request's GraphQL parameters, from its query string, where `variables` and `extensions`
 * are JSON text. It replaces yoga's GET parser, which lets JSON.parse's SyntaxError escape: a
 * malformed `variables` (`?query={__typename}&variables={bad`) was masked as a 500
 * INTERNAL_SERVER_ERROR and logged as an unexpected error. Here it is 400 BAD_REQUEST naming the
 * parameter, as a POST with a body that is not JSON gets. Everything else is yoga's reading.
 */
export function useGetRequestParams(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'GET') setRequestParser(parseGetRequest);
    },
  };
}

function parseGetRequest(request: Request): GraphQLParams {
  const search = new URL(request.url).searchParams;
  return {
    // Empty counts as absent, as in yoga's parser.
    operationName: search.get('operationName') || undefined,
    query: search.get('query') || undefined,
    variables: jsonParam(search, 'variables'),
    extensions: jsonParam(search, 'extensions'),
  };
}

/** The parameter's JSON value (whether it is an object yoga checks next); undefined when absent or empty. */
function jsonParam(search: URLSearchParams, name: 'variables' | 'extensions'): Record<string, unknown> | undefined {
  const text = search.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw badRequest(`The "${name}" query parameter is not valid JSON.`);
  }
}
