import { describe, expect, it } from 'vitest';
import { APQ_STORE_LIMITS, createMemoryDocumentStore } from '../../src/protocol/document-store.js';

describe('createMemoryDocumentStore (the APQ store)', () => {
  it('returns what was stored, undefined for an unknown hash', () => {
    const store = createMemoryDocumentStore();
    store.set('a', '{ __typename }');
    expect(store.get('a')).toBe('{ __typename }');
    expect(store.get('b')).toBeUndefined();
  });

  it('evicts the least recently used document past the document count', () => {
    const store = createMemoryDocumentStore({ maxDocuments: 2, maxBytes: 1_000 });
    store.set('a', 'A');
    store.set('b', 'B');
    store.get('a');
    store.set('c', 'C');
    expect([store.get('a'), store.get('b'), store.get('c')]).toEqual(['A', undefined, 'C']);
  });

  it('evicts past the byte budget (UTF-8 bytes, not characters), and never keeps one document over it', () => {
    const store = createMemoryDocumentStore({ maxDocuments: 100, maxBytes: 10 });
    store.set('a', '12345');
    store.set('b', 'ééé'); // 6 bytes: a + b would be 11
    expect([store.get('a'), store.get('b')]).toEqual([undefined, 'ééé']);
    store.set('big', 'x'.repeat(11));
    expect(store.get('big')).toBeUndefined();
  });

  it('is bounded by default to 1000 documents and 5 MiB', () => {
    expect(APQ_STORE_LIMITS).toEqual({ maxDocuments: 1000, maxBytes: 5 * 1024 * 1024 });
  });
});
