// `npm run oauth:clear`: an operator's "these credentials work now" (e.g. after EnKash unlocked
// the account). Deletes the rejection record of the configured COINS_OAUTH_* credentials from
// REDIS_URL and counts the clear, so that running replicas try once more; it never
// prints a secret. Exit 0: cleared or nothing to clear; 1: configuration or Redis problem.

import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../config.js';
import { KEY_PREFIX } from '../shared-state/redis-store.js';
import { credentialsFingerprint, sharedTokenKeys } from '../shared-state/shared-service-token.js';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  if (config.redisUrl === undefined || config.serviceCredentials === undefined) {
    console.error(
      'oauth:clear needs REDIS_URL and the COINS_OAUTH_* credentials the replicas use (the record is kept per set of credentials)',
    );
    return 1;
  }
  const fingerprint = credentialsFingerprint(config.serviceCredentials);
  const keys = sharedTokenKeys(KEY_PREFIX, fingerprint);
  const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [[, deleted]] = (await client.multi().del(keys.rejected).incr(keys.cleared).exec()) as [
      [Error | null, number],
    ];
    console.log(
      deleted === 1
        ? `cleared the rejection of the configured credentials (fingerprint ${fingerprint.slice(0, 12)}): ` +
            'each replica tries one token request within about a second of its next /ready probe or operation'
        : `no rejection recorded for the configured credentials (fingerprint ${fingerprint.slice(0, 12)})`,
    );
    return 0;
  } catch (error) {
    console.error(
      `oauth:clear: Redis failed: ${error instanceof Error ? error.message.replace(/rediss?:\/\/\S+/g, 'redis://…') : String(error)}`,
    );
    return 1;
  } finally {
    client.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('oauth:clear failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
