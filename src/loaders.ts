import { bulkhead } from 'cockatiel';
import DataLoader from 'dataloader';
import type { CallCredentials, CoinsClient } from './upstream/coins-client.js';
import type { PartialCoinConfigPayload } from './upstream/payloads.js';

/**
 * Per-operation loaders: within one GraphQL operation each coin configuration and each user's
 * balance is fetched at most once, however it is asked for (aliases, lists, nested fields).
 * The REST API has no bulk endpoint, so a batch fans out into single calls, at most
 * `concurrency` in flight per operation (shared by both loaders).
 */
export interface Loaders {
  /** null for an unknown id (upstream 404). */
  coinConfig: DataLoader<string, PartialCoinConfigPayload | null>;
  /** null when the upstream has no balance for the user (404). */
  balance: DataLoader<string, number | null>;
}

/**
 * The operation's loaders, built on first use: a mutation-only operation (the common case) never
 * pays for them. A holder object rather than a getter on the context, because envelop copies the
 * context's properties (which would run a getter on every request).
 */
export class OperationLoaders {
  #loaders: Loaders | undefined;

  constructor(private readonly build: () => Loaders) {}

  get coinConfig(): Loaders['coinConfig'] {
    return this.#get().coinConfig;
  }

  get balance(): Loaders['balance'] {
    return this.#get().balance;
  }

  /** The loaders if something in the operation used them already; nothing to invalidate otherwise. */
  get ifCreated(): Loaders | undefined {
    return this.#loaders;
  }

  #get(): Loaders {
    this.#loaders ??= this.build();
    return this.#loaders;
  }
}

export function createLoaders(coins: CoinsClient, credentials: () => CallCredentials, concurrency: number): Loaders {
  const inFlight = bulkhead(concurrency, Number.MAX_SAFE_INTEGER);

  function fanOut<V>(fetchOne: (key: string, credentials: CallCredentials) => Promise<V>) {
    return async (keys: readonly string[]): Promise<(V | Error)[]> => {
      const caller = credentials();
      return Promise.all(
        keys.map((key) =>
          inFlight
            .execute(() => fetchOne(key, caller))
            .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
        ),
      );
    };
  }

  return {
    coinConfig: new DataLoader(fanOut((id, caller) => coins.getCoinConfig(id, caller))),
    balance: new DataLoader(fanOut((userId, caller) => coins.getBalance(userId, caller))),
  };
}
