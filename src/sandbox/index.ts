// Public API of the fake EnKash coins API. It depends on nothing else in src/: the gateway's
// contract assumptions are tested against an independent implementation, not mirrored by it.

export { startSandbox, MAX_BODY_BYTES, DOCUMENTED_EXAMPLE_CONFIG } from './server.js';
export type { SandboxOptions, SandboxServer, RecordedRequest } from './server.js';
export { createFaultController } from './faults.js';
export type { FaultAction, FaultController, FaultRule } from './faults.js';
export { createSandboxState, CONFIGURATIONS } from './state.js';
export type {
  Allocation,
  AllocateResult,
  CoinConfig,
  CoinConfigPatch,
  Configuration,
  CreateConfigResult,
  LedgerEntry,
  NewCoinConfig,
  SandboxState,
  UpdateConfigResult,
} from './state.js';
export { DEFAULT_OAUTH_CLIENT, MAX_FAILED_LOGINS } from './oauth.js';
export type { IssuedToken, OAuthClient, OAuthServer, TokenRequestCounts } from './oauth.js';
export { MESSAGES } from './routes.js';
