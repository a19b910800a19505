import type { PersistedDocumentStore } from '../protocol/document-store.js';
import type { RedisStore } from './redis-store.js';

/**
 * Bounds of the shared APQ store. Anyone may register a document, so Redis holds at most
 * `maxDocuments` of them (the least recently used are evicted first), each at most
 * `maxDocumentBytes` (larger ones stay in the registering replica's memory only), each for
 * `ttlSeconds` after its last use: at most 5000 × 16 KiB = 80 MiB of Redis, typically a few MiB.
 */
const SHARED_APQ_LIMITS = { ttlSeconds: 86_400, maxDocuments: 5_000, maxDocumentBytes: 16_384 } as const;

export interface SharedDocumentStoreOptions {
  store: RedisStore;
  /** This replica's own bounded store: read first, and the fallback while Redis is unavailable. */
  local: { get(sha256Hash: string): string | undefined; set(sha256Hash: string, document: string): void };
  /** @default SHARED_APQ_LIMITS (a day, 5000 documents of 16 KiB at most) */
  limits?: { ttlSeconds: number; maxDocuments: number; maxDocumentBytes: number };
}

/**
 * Automatic persisted queries shared by every replica: a hash registered on one runs on all.
 * Read-through: this replica's memory first, then Redis (a hit is kept locally); writes go to
 * both. Redis down or slow → the local store alone, as without REDIS_URL.
 */
export function createSharedDocumentStore(options: SharedDocumentStoreOptions): PersistedDocumentStore {
  const { store, local } = options;
  const limits = options.limits ?? SHARED_APQ_LIMITS;
  const documentKey = (hash: string) => `${store.keyPrefix}apq:document:${hash}`;
  const indexKey = `${store.keyPrefix}apq:index`;

  return {
    async get(sha256Hash) {
      const held = local.get(sha256Hash);
      if (held !== undefined) return held;
      // Each use keeps a document alive for another TTL and moves it to the back of the eviction order.
      const shared = await store.attempt((client) =>
        client
          .multi()
          .getex(documentKey(sha256Hash), 'EX', limits.ttlSeconds)
          .zadd(indexKey, 'XX', Date.now(), sha256Hash)
          .exec(),
      );
      const document = shared.ok ? shared.value?.[0]?.[1] : undefined;
      if (typeof document !== 'string') return undefined;
      local.set(sha256Hash, document);
      return document;
    },
    async set(sha256Hash, document) {
      local.set(sha256Hash, document);
      if (Buffer.byteLength(document, 'utf8') > limits.maxDocumentBytes) return;
      const now = Date.now();
      const written = await store.attempt((client) =>
        client
          .multi()
          .set(documentKey(sha256Hash), document, 'EX', limits.ttlSeconds)
          .zadd(indexKey, now, sha256Hash)
          // Index entries of documents that expired meanwhile.
          .zremrangebyscore(indexKey, '-inf', now - limits.ttlSeconds * 1000)
          .zcard(indexKey)
          .exec(),
      );
      if (!written.ok) return;
      const count = Number(written.value?.[3]?.[1] ?? 0);
      if (count <= limits.maxDocuments) return;
      // Over the bound: evict the least recently used. Two replicas may both evict at
      // once; the bound holds either way, at worst a few more documents go.
      await store.attempt(async (client) => {
        const evicted = (await client.zpopmin(indexKey, count - limits.maxDocuments)).filter((_, i) => i % 2 === 0);
        if (evicted.length > 0) await client.del(...evicted.map(documentKey));
      });
    },
  };
}
