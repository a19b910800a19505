// What a test puts into the sandbox before it sends an operation: configurations written straight
// into its state (they cost no recorded request), and canned successful answers.

import type { CoinConfig, SandboxServer } from '../../src/sandbox/index.js';
import { envelopeBody, jsonReply } from './fault-actions.js';

/** A configuration as a client creates it (the upstream picks its id). */
export type ConfigFields = Omit<CoinConfig, 'coinConfigId'>;

/** The configuration most tests allocate against: company CEKEKCARDS, event MEAL_CARD_PAYMENT, 6 coins. */
export const MEAL_CONFIG = {
  configuration: 'DEFAULT',
  companyId: 'CEKEKCARDS',
  event: 'MEAL_CARD_PAYMENT',
  amount: 6,
} as const satisfies ConfigFields;

/** Creates MEAL_CONFIG, with any field replaced, in the sandbox's state and returns it with its new id. */
export function seedConfig(sandbox: SandboxServer, overrides: Partial<ConfigFields> = {}): CoinConfig {
  const result = sandbox.state.createConfig({ ...MEAL_CONFIG, ...overrides });
  if (!result.ok) throw new Error('seedConfig: the sandbox already has a configuration for this company and event');
  return result.config;
}

/** `count` configurations of company CEKEKCARDS: event EVENT_i, amount i + 1. */
export function seedEventConfigs(sandbox: SandboxServer, count: number): CoinConfig[] {
  return Array.from({ length: count }, (_, i) => seedConfig(sandbox, { event: `EVENT_${i}`, amount: i + 1 }));
}

/** The next upstream request that matches gets HTTP 200 with a success envelope carrying `payload`. */
export function answerSuccess(
  sandbox: SandboxServer,
  match: { method: string; path?: string },
  payload: Record<string, unknown>,
): void {
  sandbox.faults.inject({ ...match, action: jsonReply(200, envelopeBody(0, 'Success', payload)) });
}
