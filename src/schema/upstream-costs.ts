import { MAX_IDS_PER_LIST } from './input-rules.js';

/**
 * What the list arguments cost against MAX_UPSTREAM_CALLS_PER_OPERATION (src/plugins/upstream-budget.ts):
 * one upstream read per distinct key, since the operation's loaders fetch each key once; a list
 * over the limit is refused before any call, so it costs none.
 */
export function upstreamCallsForIds(ids: readonly string[]): number {
  return ids.length > MAX_IDS_PER_LIST ? 0 : new Set(ids).size;
}

/** `_entities(representations:)`: one read per distinct representation (its type and key). */
export function upstreamCallsForRepresentations(representations: readonly unknown[]): number {
  if (representations.length > MAX_IDS_PER_LIST) return 0;
  return new Set(representations.map((representation) => JSON.stringify(representation))).size;
}
