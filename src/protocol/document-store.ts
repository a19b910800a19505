import { LRUCache } from 'lru-cache';

/**
 * Where automatic persisted queries (Apollo's APQ) are kept between requests: hash → document.
 * Small on purpose, so that a shared store (e.g. Redis, for several gateway instances) can
 * replace the in-memory one without touching the protocol code. Either method may be async.
 */
export interface PersistedDocumentStore {
  get(sha256Hash: string): string | undefined | Promise<string | undefined>;
  set(sha256Hash: string, document: string): void | Promise<void>;
}

/**
 * The in-memory store's bounds. Anyone may register a document (that is what APQ is), so the
 * store is an LRU bounded by count and by bytes: at most 1000 documents and 5 MiB of document
 * text; the least recently used are evicted first. A single document over 5 MiB cannot occur
 * (request bodies are at most 1 MiB).
 */
export const APQ_STORE_LIMITS = { maxDocuments: 1000, maxBytes: 5 * 1024 * 1024 } as const;

/** The in-memory store is synchronous (a narrower type than the interface, which it satisfies). */
export interface MemoryDocumentStore extends PersistedDocumentStore {
  get(sha256Hash: string): string | undefined;
  set(sha256Hash: string, document: string): void;
}

export function createMemoryDocumentStore(
  limits: { maxDocuments: number; maxBytes: number } = APQ_STORE_LIMITS,
): MemoryDocumentStore {
  const cache = new LRUCache<string, string>({
    max: limits.maxDocuments,
    maxSize: limits.maxBytes,
    sizeCalculation: (document) => Math.max(1, Buffer.byteLength(document, 'utf8')),
  });
  return {
    get: (sha256Hash) => cache.get(sha256Hash),
    set: (sha256Hash, document) => {
      cache.set(sha256Hash, document);
    },
  };
}
