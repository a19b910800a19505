// Standalone entry: `tsx src/sandbox/main.ts` starts the fake EnKash API for manual testing or as
// a benchmark target. SANDBOX_PORT (default: ephemeral), SANDBOX_HOST (default 127.0.0.1),
// SANDBOX_TOKEN_TTL_SECONDS (default 300) and SANDBOX_STRICT_TOKENS (default false).

import { z } from 'zod';
import { startSandbox } from './server.js';

const EnvSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(300),
  SANDBOX_STRICT_TOKENS: z.enum(['true', 'false']).default('false'),
});

const env = EnvSchema.safeParse(process.env);
if (!env.success) {
  console.error(`Invalid sandbox environment:\n${z.prettifyError(env.error)}`);
  process.exit(1);
}

const sandbox = await startSandbox({
  port: env.data.SANDBOX_PORT,
  host: env.data.SANDBOX_HOST,
  tokenTtlSeconds: env.data.SANDBOX_TOKEN_TTL_SECONDS,
  strictTokens: env.data.SANDBOX_STRICT_TOKENS === 'true',
});
console.log(`EnKash coins sandbox listening on ${sandbox.url}`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
