import type { CallerAuthenticator } from './auth/caller-authenticator.js';
import type { Caller } from './auth/caller.js';
import type { CredentialSource } from './auth/credential-source.js';
import { unauthenticated } from './errors/graphql-errors.js';
import { createLoaders, OperationLoaders } from './loaders.js';
import type { CallCredentials, CoinsClient } from './upstream/coins-client.js';
import { createRefusedCredentialGuard } from './upstream/refused-credential-guard.js';
import type { CoinConfigPayload } from './upstream/payloads.js';
import type { CallOrigin } from './upstream/upstream-observer.js';

/** What every resolver gets: the caller's upstream credential, the coins client, fresh loaders. */
export interface GatewayContext {
  coins: CoinsClient;
  /**
   * Who is calling (scopes, companies, own userId): established on first use, once per request,
   * so introspection and __typename never need it. Throws/rejects UNAUTHENTICATED.
   */
  caller(): Caller | Promise<Caller>;
  /** The credential for upstream calls; throws UNAUTHENTICATED when the caller sent none. */
  requireCredentials(): CallCredentials;
  /** Created on first use, never shared between operations. */
  readonly loaders: OperationLoaders;
  /** A mutation returned this whole configuration: later reads in the operation use it. */
  rememberCoinConfig(config: CoinConfigPayload): void;
  /** A mutation changed this configuration: later reads in the operation fetch it again. */
  forgetCoinConfig(coinConfigId: string): void;
  /** A mutation changed this user's balance: later reads in the operation fetch it again. */
  forgetBalance(userId: string): void;
}

export interface ContextDependencies {
  coins: CoinsClient;
  credentialSource: CredentialSource;
  callerAuthenticator: CallerAuthenticator;
  batchConcurrency: number;
  /**
   * The request's observability scope: its id, trace and log go with every upstream call. Given
   * the yoga context too, an operation of a batch gets its own (its upstream calls are its own).
   */
  originOf(request: Request, context?: object): CallOrigin | undefined;
}

export function createContextFactory(deps: ContextDependencies) {
  function buildContext(
    request: Request,
    upstream: CallCredentials | undefined,
    origin: CallOrigin | undefined,
  ): GatewayContext {
    const credentials = upstream && origin ? { ...upstream, origin } : upstream;
    let caller: Caller | Promise<Caller> | undefined;
    const requireCredentials = (): CallCredentials => {
      // Checked per field, not per request: introspection and __typename need no credential.
      if (!credentials) throw unauthenticated();
      return credentials;
    };
    // Per operation: after an upstream 401 for this credential, no further call is made with it.
    const coins = createRefusedCredentialGuard(deps.coins);
    const loaders = new OperationLoaders(() => createLoaders(coins, requireCredentials, deps.batchConcurrency));
    // A plain object of own properties, not a class instance: envelop copies the context's own
    // properties into its own context object, so methods on a prototype would be lost.
    // Invalidation only matters when something was read already.
    return {
      coins,
      caller: () => (caller ??= deps.callerAuthenticator.authenticate(request, origin)),
      requireCredentials,
      loaders,
      rememberCoinConfig: (config) => {
        loaders.ifCreated?.coinConfig.clear(config.coinConfigId).prime(config.coinConfigId, config);
      },
      forgetCoinConfig: (coinConfigId) => {
        loaders.ifCreated?.coinConfig.clear(coinConfigId);
      },
      forgetBalance: (userId) => {
        loaders.ifCreated?.balance.clear(userId);
      },
    };
  }

  // Synchronous when the credential source is: a Promise here would put every request on yoga's
  // slower asynchronous path.
  return (initial: { request: Request }): GatewayContext | Promise<GatewayContext> => {
    const { request } = initial;
    const credentials = deps.credentialSource.credentialsFor(request);
    const origin = deps.originOf(request, initial);
    return credentials instanceof Promise
      ? credentials.then((resolved) => buildContext(request, resolved, origin))
      : buildContext(request, credentials, origin);
  };
}
