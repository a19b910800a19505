import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Mutex } from 'redis-semaphore';
import type { SharedToken, SharedTokenState } from '../upstream/oauth/shared-token-state.js';
import type { RedisStore } from './redis-store.js';

/** The partner's credentials, as far as sharing goes. */
export interface CredentialsForSharing {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export function credentialsFingerprint(credentials: CredentialsForSharing): string {
  return createHmac('sha256', credentials.clientSecret)
    .update(JSON.stringify([credentials.clientId, credentials.username, credentials.password]))
    .digest('hex');
}

/** The Redis keys of one set of credentials (also used by `npm run oauth:clear`). */
export function sharedTokenKeys(keyPrefix: string, fingerprint: string) {
  const base = `${keyPrefix}oauth:`;
  return {
    token: `${base}token:${fingerprint}`,
    rejected: `${base}rejected:${fingerprint}`,
    cleared: `${base}cleared:${fingerprint}`,
    // redis-semaphore prefixes it with `mutex:`.
    lock: `${base}token-request:${fingerprint}`,
  };
}

export interface SharedTokenStateOptions {
  store: RedisStore;
  credentials: CredentialsForSharing;
  /** How long a token request may hold the lock before it expires (a crashed holder). */
  lockTtlMs: number;
}

/**
 * The shared token state on Redis. Keys carry a fingerprint of the credentials (an HMAC keyed with
 * the client secret over client id, username and password), never the secrets; the token itself
 * is stored encrypted (AES-256-GCM, key derived from the client secret), so reading Redis gives
 * neither the credentials nor a usable token. Every method answers undefined when Redis is
 * unavailable.
 */
export function createSharedTokenState(options: SharedTokenStateOptions): SharedTokenState {
  const { store, credentials } = options;
  const fingerprint = credentialsFingerprint(credentials);
  const keys = sharedTokenKeys(store.keyPrefix, fingerprint);
  const box = createTokenBox(credentials.clientSecret, fingerprint);

  return {
    fingerprint,
    lockTtlMs: options.lockTtlMs,
    async read() {
      const result = await store.attempt((client) => client.mget(keys.token, keys.rejected, keys.cleared));
      if (!result.ok) return undefined;
      const [token, rejected, cleared] = result.value;
      return {
        token: token ? box.open(token) : undefined,
        rejected: rejected !== null,
        clearGeneration: cleared ? Number(cleared) : 0,
      };
    },
    async write(token) {
      const ttlMs = token.expiresAt - Date.now();
      if (ttlMs <= 0) return false;
      const result = await store.attempt((client) => client.set(keys.token, box.seal(token), 'PX', ttlMs));
      return result.ok;
    },
    async markRejected(detail) {
      const record = JSON.stringify({ at: new Date().toISOString(), ...detail });
      const result = await store.attempt((client) => client.multi().set(keys.rejected, record).del(keys.token).exec());
      return result.ok;
    },
    async tryLock() {
      const mutex = new Mutex(store.client, keys.lock, {
        lockTimeout: options.lockTtlMs,
        // No auto-refresh: the token request is bounded well within the lock's lifetime.
        refreshInterval: 0,
        acquireAttemptsLimit: 1,
      });
      const acquired = await store.attempt(() => mutex.tryAcquire());
      if (!acquired.ok) return undefined;
      if (!acquired.value) return 'busy';
      return {
        async release() {
          // Token-checked by redis-semaphore: never deletes a lock another replica took after expiry.
          await store.attempt(() => mutex.release());
        },
      };
    },
  };
}

/** AES-256-GCM over the token record; a record that does not open (other key, garbage) counts as none. */
function createTokenBox(clientSecret: string, fingerprint: string) {
  const key = Buffer.from(hkdfSync('sha256', clientSecret, fingerprint, 'coins-gateway service token', 32));
  return {
    seal(token: SharedToken): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(token), 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64')).join('.');
    },
    open(text: string): SharedToken | undefined {
      try {
        const [iv, tag, sealed] = text.split('.').map((part) => Buffer.from(part, 'base64'));
        if (!iv || !tag || !sealed) return undefined;
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
        const token = JSON.parse(plain) as SharedToken;
        return typeof token.accessToken === 'string' && typeof token.expiresAt === 'number' ? token : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
