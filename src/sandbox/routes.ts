// The coins API as the sandbox implements it: routing, auth and the business decisions that
// upstream leaves undocumented (each one is listed in the sandbox README section).

import { businessFailure, httpError, JSON_HEADERS, success } from './reply.js';
import type { Reply } from './reply.js';
import type { OAuthServer } from './oauth.js';
import type { CoinConfig, SandboxState } from './state.js';
import { parseJsonObject, validateAllocation, validateNewConfig, validatePatch } from './validation.js';
import type { Validated } from './validation.js';

export interface ApiRequest {
  /** Upper-case, as node reports it. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without the leading '?', '' when none. */
  query: string;
  authorization: string | undefined;
  body: string;
}

export type ApiHandler = (request: ApiRequest) => Reply;

// Hot-path answers are built once: the sandbox doubles as a benchmark target.
const UNAUTHORIZED = httpError(401, 'Unauthorized');
const NOT_FOUND = httpError(404, 'Not found');
const CONFIG_NOT_FOUND = httpError(404, 'Coin configuration not found');
const DUPLICATE_CONFIG = businessFailure('Coin configuration already exists for this company and event');
const NOT_CONFIGURED = businessFailure('Event not configured for this company');
const REQUEST_ID_CONFLICT = businessFailure('requestId already used for a different allocation');
const ALLOCATED = success('Successfully allocated enkash Coins');
const MISSING_USER_ID = httpError(400, 'Missing mandatory parameter: userId');

/** Get/Update Event's path is this prefix followed by the coinConfigId. */
const CONFIG_PREFIX = '/api/v0/enkash-coins/';

/** Handles one method of an endpoint; `segment` is the raw path segment after CONFIG_PREFIX ('' elsewhere). */
type MethodHandler = (request: ApiRequest, segment: string) => Reply;

interface Endpoint {
  handlers: ReadonlyMap<string, MethodHandler>;
  /** The 405 answer, its `allow` header listing the handled methods. */
  methodNotAllowed: Reply;
  /** Public endpoints (the token endpoint) take no bearer token. */
  isPublic: boolean;
}

function endpoint(handlers: Record<string, MethodHandler>, { isPublic = false } = {}): Endpoint {
  const notAllowed = httpError(405, 'Method not allowed');
  return {
    handlers: new Map(Object.entries(handlers)),
    methodNotAllowed: { ...notAllowed, headers: { ...JSON_HEADERS, allow: Object.keys(handlers).join(', ') } },
    isPublic,
  };
}

function fullPayload(config: CoinConfig) {
  return {
    coinConfigId: config.coinConfigId,
    configuration: config.configuration,
    companyId: config.companyId,
    event: config.event,
    amount: config.amount,
  };
}

// The documented Update example has no companyId; the sandbox reproduces that so clients are
// forced to cope with it instead of discovering it in production.
function patchPayload(config: CoinConfig) {
  const { companyId: _notInUpdateAnswers, ...payload } = fullPayload(config);
  return payload;
}

function balanceReply(balance: number): Reply {
  // Key order as in the docs' Get Balance example.
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: `{"response_code":0,"response_message":"Success","payload":${balance}}`,
  };
}

/** Runs `handle` with the decoded coinConfigId; a segment that is not valid percent-encoding names none. */
function byDecodedId(segment: string, handle: (id: string) => Reply): Reply {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return CONFIG_NOT_FOUND;
  }
  return handle(id);
}

/** Runs `handle` with the validated JSON body, or answers the 400/422 that the body earns. */
function withValidBody<T>(
  request: ApiRequest,
  validate: (body: Record<string, unknown>) => Validated<T>,
  handle: (value: T) => Reply,
): Reply {
  const parsed = parseJsonObject(request.body);
  if (!parsed.ok) return httpError(parsed.status, parsed.message);
  const input = validate(parsed.value);
  return input.ok ? handle(input.value) : httpError(input.status, input.message);
}

export function createApiRoutes(state: SandboxState, oauth: OAuthServer): ApiHandler {
  function token(request: ApiRequest): Reply {
    return oauth.token(request.authorization, request.body);
  }

  function createConfig(request: ApiRequest): Reply {
    return withValidBody(request, validateNewConfig, (input) => {
      const result = state.createConfig(input);
      return result.ok ? success(fullPayload(result.config)) : DUPLICATE_CONFIG;
    });
  }

  function getConfig(id: string): Reply {
    const config = state.getConfig(id);
    return config ? success(fullPayload(config)) : CONFIG_NOT_FOUND;
  }

  function updateConfig(id: string, request: ApiRequest): Reply {
    // Unknown ids answer 404 before the body is judged: the resource decides first.
    if (!state.getConfig(id)) return CONFIG_NOT_FOUND;
    return withValidBody(request, validatePatch, (patch) => {
      const result = state.updateConfig(id, patch);
      if (result.ok) return success(patchPayload(result.config));
      return result.reason === 'duplicate' ? DUPLICATE_CONFIG : CONFIG_NOT_FOUND;
    });
  }

  function allocate(request: ApiRequest): Reply {
    return withValidBody(request, validateAllocation, (input) => {
      const result = state.allocate(input);
      if (result.ok) return ALLOCATED;
      return result.reason === 'not-configured' ? NOT_CONFIGURED : REQUEST_ID_CONFLICT;
    });
  }

  function balance(request: ApiRequest): Reply {
    const userId = request.query === '' ? null : new URLSearchParams(request.query).get('userId');
    if (!userId) return MISSING_USER_ID;
    return balanceReply(state.balanceOf(userId));
  }

  const endpoints = new Map<string, Endpoint>([
    ['/oauth/token', endpoint({ POST: token }, { isPublic: true })],
    ['/api/v0/enkash-coins/create-coins-config', endpoint({ POST: createConfig })],
    ['/api/v0/enkash-coins/allocate-coin', endpoint({ POST: allocate })],
    ['/api/v0/coins/balance', endpoint({ GET: balance })],
  ]);
  const configById = endpoint({
    GET: (_request, segment) => byDecodedId(segment, getConfig),
    PATCH: (request, segment) => byDecodedId(segment, (id) => updateConfig(id, request)),
  });

  return function route(request) {
    const { method, path } = request;
    // Resolve the route (404/405) before auth, like a typical gateway; then auth, then the body.
    let target = endpoints.get(path);
    let segment = '';
    if (target === undefined) {
      if (!path.startsWith(CONFIG_PREFIX)) return NOT_FOUND;
      segment = path.slice(CONFIG_PREFIX.length);
      if (segment === '' || segment.includes('/')) return NOT_FOUND;
      target = configById;
    }
    const handle = target.handlers.get(method);
    if (handle === undefined) return target.methodNotAllowed;
    if (!target.isPublic && !oauth.isAuthorized(request.authorization)) return UNAUTHORIZED;
    return handle(request, segment);
  };
}
