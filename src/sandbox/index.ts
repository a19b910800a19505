// Public API of the fake EnKash coins API. It depends on nothing else in src/: the gateway's
// contract assumptions are tested against an independent implementation, not mirrored by it.

export { startSandbox, DOCUMENTED_EXAMPLE_CONFIG } from './server.js';
export type { SandboxOptions, SandboxServer } from './server.js';
export type { FaultAction } from './faults.js';
export type { CoinConfig } from './state.js';
