// The coins API as the sandbox implements it: routing, auth and the business decisions that
// upstream leaves undocumented (each one is listed in the sandbox README section).

import { businessFailure, httpError, JSON_HEADERS, success } from './reply.js';
import type { Reply } from './reply.js';
import type { OAuthServer } from './oauth.js';
import type { CoinConfig, SandboxState } from './state.js';
import { parseJsonObject, validateAllocation, validateNewConfig, validatePatch } from './validation.js';

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

const TOKEN_PATH = '/oauth/token';
const CREATE_PATH = '/api/v0/enkash-coins/create-coins-config';
const ALLOCATE_PATH = '/api/v0/enkash-coins/allocate-coin';
const BALANCE_PATH = '/api/v0/coins/balance';
const CONFIG_PREFIX = '/api/v0/enkash-coins/';

const MESSAGES = {
  duplicateConfig: 'Coin configuration already exists for this company and event',
  configNotFound: 'Coin configuration not found',
  notConfigured: 'Event not configured for this company',
  requestIdConflict: 'requestId already used for a different allocation',
  allocated: 'Successfully allocated enkash Coins',
} as const;

// Hot-path answers are built once: the sandbox doubles as a benchmark target.
const UNAUTHORIZED = httpError(401, 'Unauthorized');
const NOT_FOUND = httpError(404, 'Not found');
const CONFIG_NOT_FOUND = httpError(404, MESSAGES.configNotFound);
const DUPLICATE_CONFIG = businessFailure(MESSAGES.duplicateConfig);
const NOT_CONFIGURED = businessFailure(MESSAGES.notConfigured);
const REQUEST_ID_CONFLICT = businessFailure(MESSAGES.requestIdConflict);
const ALLOCATED = success(MESSAGES.allocated);
const MISSING_USER_ID = httpError(400, 'Missing mandatory parameter: userId');

function methodNotAllowed(allow: string): Reply {
  const reply = httpError(405, 'Method not allowed');
  return { ...reply, headers: { ...JSON_HEADERS, allow } };
}
const POST_ONLY = methodNotAllowed('POST');
const GET_ONLY = methodNotAllowed('GET');
const GET_OR_PATCH = methodNotAllowed('GET, PATCH');

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
  return {
    coinConfigId: config.coinConfigId,
    configuration: config.configuration,
    event: config.event,
    amount: config.amount,
  };
}

function balanceReply(balance: number): Reply {
  // Key order as in the docs' Get Balance example.
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: `{"response_code":0,"response_message":"Success","payload":${balance}}`,
  };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function createApiRoutes(state: SandboxState, oauth: OAuthServer): ApiHandler {
  function createConfig(request: ApiRequest): Reply {
    const parsed = parseJsonObject(request.body);
    if (!parsed.ok) return httpError(parsed.status, parsed.message);
    const input = validateNewConfig(parsed.value);
    if (!input.ok) return httpError(input.status, input.message);
    const result = state.createConfig(input.value);
    return result.ok ? success(fullPayload(result.config)) : DUPLICATE_CONFIG;
  }

  function getConfig(id: string): Reply {
    const config = state.getConfig(id);
    return config ? success(fullPayload(config)) : CONFIG_NOT_FOUND;
  }

  function updateConfig(id: string, request: ApiRequest): Reply {
    // Unknown ids answer 404 before the body is judged: the resource decides first.
    if (!state.getConfig(id)) return CONFIG_NOT_FOUND;
    const parsed = parseJsonObject(request.body);
    if (!parsed.ok) return httpError(parsed.status, parsed.message);
    const patch = validatePatch(parsed.value);
    if (!patch.ok) return httpError(patch.status, patch.message);
    const result = state.updateConfig(id, patch.value);
    if (result.ok) return success(patchPayload(result.config));
    return result.reason === 'duplicate' ? DUPLICATE_CONFIG : CONFIG_NOT_FOUND;
  }

  function allocate(request: ApiRequest): Reply {
    const parsed = parseJsonObject(request.body);
    if (!parsed.ok) return httpError(parsed.status, parsed.message);
    const input = validateAllocation(parsed.value);
    if (!input.ok) return httpError(input.status, input.message);
    const result = state.allocate(input.value);
    if (result.ok) return ALLOCATED;
    return result.reason === 'not-configured' ? NOT_CONFIGURED : REQUEST_ID_CONFLICT;
  }

  function balance(request: ApiRequest): Reply {
    const userId = request.query === '' ? null : new URLSearchParams(request.query).get('userId');
    if (!userId) return MISSING_USER_ID;
    return balanceReply(state.balanceOf(userId));
  }

  return function route(request) {
    const { method, path } = request;
    // Resolve the route (404/405) before auth, like a typical gateway; then auth, then the body.
    if (path === TOKEN_PATH) {
      return method === 'POST' ? oauth.token(request.authorization, request.body) : POST_ONLY;
    }
    if (path === CREATE_PATH) {
      if (method !== 'POST') return POST_ONLY;
      return oauth.isAuthorized(request.authorization) ? createConfig(request) : UNAUTHORIZED;
    }
    if (path === ALLOCATE_PATH) {
      if (method !== 'POST') return POST_ONLY;
      return oauth.isAuthorized(request.authorization) ? allocate(request) : UNAUTHORIZED;
    }
    if (path === BALANCE_PATH) {
      if (method !== 'GET') return GET_ONLY;
      return oauth.isAuthorized(request.authorization) ? balance(request) : UNAUTHORIZED;
    }
    if (path.startsWith(CONFIG_PREFIX)) {
      const segment = path.slice(CONFIG_PREFIX.length);
      if (segment === '' || segment.includes('/')) return NOT_FOUND;
      if (method !== 'GET' && method !== 'PATCH') return GET_OR_PATCH;
      if (!oauth.isAuthorized(request.authorization)) return UNAUTHORIZED;
      const id = decodeSegment(segment);
      if (id === undefined) return CONFIG_NOT_FOUND;
      return method === 'GET' ? getConfig(id) : updateConfig(id, request);
    }
    return NOT_FOUND;
  };
}
