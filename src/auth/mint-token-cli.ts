import { parseArgs } from 'node:util';
import { readClaimNames, readJwtClaimChecks, readJwtSecret } from '../config.js';
import { COINS_SCOPES } from './caller.js';
import { DEV_JWT_SECRET, mintDevToken } from './dev-token.js';

/**
 * `npm run token -- --company CEKEKCARDS --scope "coins:read coins:write" [--user EKQZVMQK] [--ttl 3600]`
 * prints an HS256 caller JWT on stdout, for local use. It signs with AUTH_JWT_SECRET (or the file
 * in AUTH_JWT_SECRET_FILE) and honours AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE, AUTH_COMPANY_CLAIM and
 * AUTH_USER_CLAIM, all read by the gateway's own code (src/config.ts), so that the two cannot
 * drift apart; without a secret it uses the documented development secret, which the gateway
 * accepts only in sandbox mode.
 */
const USAGE = `usage: npm run token -- --company <id>[,<id>...] [--company <id>] [--scope "<scope> ..."] [--user <userId>] [--ttl <seconds>]
  --company  a company the caller may act for; "*" = every company (repeatable, or comma-separated)
  --scope    space-separated scopes, from: ${COINS_SCOPES.join(' ')} [default: all of them]
  --user     the caller's own userId (may read its own balance without coins:balances)
  --ttl      lifetime in seconds [default: 3600]`;

function fail(message: string, { usage = true } = {}): never {
  console.error(usage ? `${message}\n${USAGE}` : message);
  process.exit(2);
}

async function main(): Promise<void> {
  const options = {
    company: { type: 'string', multiple: true },
    scope: { type: 'string' },
    user: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ options, strict: true }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const companies = (values.company ?? [])
    .flatMap((entry) => entry.split(','))
    .map((id) => id.trim())
    .filter(Boolean);
  if (companies.length === 0) fail('--company is required');
  const scopes = (values.scope ?? COINS_SCOPES.join(' ')).split(' ').filter(Boolean);
  const unknown = scopes.filter((scope) => !(COINS_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) fail(`unknown scope(s): ${unknown.join(', ')}`);
  const ttlSeconds = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) fail('--ttl must be a whole number of seconds, at least 1');

  const env = process.env;
  // Read as the gateway reads them (src/config.ts): a token it would refuse is not worth printing.
  const jwtSecret = readJwtSecret(env);
  if (jwtSecret !== undefined && 'problem' in jwtSecret) fail(jwtSecret.problem, { usage: false });
  if (jwtSecret === undefined) {
    console.error(
      'note: AUTH_JWT_SECRET is not set: signed with the development secret (accepted in sandbox mode only)',
    );
  }
  const token = await mintDevToken(
    new TextEncoder().encode(jwtSecret?.secret ?? DEV_JWT_SECRET),
    {
      companies,
      scopes,
      userId: values.user,
      ttlSeconds,
      ...readJwtClaimChecks(env),
    },
    readClaimNames(env),
  );
  console.log(token);
}

await main();
