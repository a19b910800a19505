import { type SandboxOptions, type SandboxServer, startSandbox } from '../../src/sandbox/index.js';
import { SANDBOX_SERVICE_CREDENTIALS } from './service-mode.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

// What the service-credentials tests share: a gateway holding the sandbox's OAuth client as its
// own credentials, in front of a sandbox in strict mode (only tokens it issued are accepted).

/** Service mode without caller JWTs: caller authentication is not what these tests are about. */
export const SERVICE_ENV: Record<string, string> = {
  ...SANDBOX_SERVICE_CREDENTIALS,
  AUTH_DISABLED: 'true',
};

export const BALANCE = 'query($userId: ID!) { coinBalance(userId: $userId) { userId coins } }';

/** The answer to BALANCE when the coins API refuses the gateway's own credentials. */
export const AUTH_FAILED = {
  data: { coinBalance: null },
  errors: [
    {
      message: "The coins API refused the gateway's own credentials; an operator must fix them.",
      path: ['coinBalance'],
      locations: [{ line: 1, column: 23 }],
      extensions: { code: 'UPSTREAM_AUTH_FAILED', retryable: false },
    },
  ],
};

// Each test file runs in its own worker: this is that file's list, for closeServiceMode().
const running: Array<{ close(): Promise<void> }> = [];

/**
 * A cold gateway in service mode (SERVICE_ENV, then `env`) and its own strict sandbox, seeded with
 * the documented example event (CEKEKCARDS / MEAL_CARD_PAYMENT, 6 coins) so that allocations work.
 * Cold: its token requests count from zero.
 */
export async function startServiceMode(
  options: { env?: Record<string, string>; sandbox?: SandboxOptions } = {},
): Promise<{ gateway: TestGateway; sandbox: SandboxServer }> {
  const sandbox = await startSandbox({ strictTokens: true, seedDocumentedExamples: true, ...options.sandbox });
  running.push(sandbox);
  const gateway = await startTestGateway({ ...SERVICE_ENV, ...options.env }, { sandbox });
  running.push(gateway);
  return { gateway, sandbox };
}

/** Closes what startServiceMode started, each gateway before its sandbox (for afterEach). */
export async function closeServiceMode(): Promise<void> {
  for (const item of running.splice(0).reverse()) await item.close();
}
