/**
 * A small typed client for coins-gateway, the way a frontend would write one: the documents come
 * from `npm run codegen` (test/client/gql/, generated from schema.graphql and the example operations),
 * so variables and results are checked by TypeScript against the gateway's schema.
 *
 * It sends trusted documents: only the document's sha256 (`documentId`), which codegen embeds in
 * each generated document and lists in test/client/gql/persisted-documents.json, the manifest
 * the gateway runs with (TRUSTED_DOCUMENTS_FILE). The document text never goes over the wire.
 *
 * Only `fetch` is used: no GraphQL client library is needed.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AllocateCoinsDocument,
  CoinBalanceDocument,
  CoinBalancesDocument,
  CoinEventDocument,
  CoinEventsDocument,
  CreateCoinEventDocument,
  UpdateCoinEventDocument,
  type AllocateCoinsInput,
  type AllocateCoinsMutation,
  type CoinBalanceQuery,
  type CoinBalancesQuery,
  type CoinEventQuery,
  type CoinEventsQuery,
  type CreateCoinEventInput,
  type CreateCoinEventMutation,
  type UpdateCoinEventInput,
  type UpdateCoinEventMutation,
} from './gql/graphql.js';

/** One entry of a GraphQL response's `errors`, as the gateway sends it. */
export interface GatewayError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; retryable?: boolean; [key: string]: unknown };
}

/** Thrown when the response has errors: `data` keeps whatever the gateway could still resolve. */
export class GatewayRequestError<TResult> extends Error {
  constructor(
    readonly errors: GatewayError[],
    readonly data: TResult | null | undefined,
    readonly status: number,
  ) {
    super(errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
    this.name = 'GatewayRequestError';
  }

  /** The stable error codes (extensions.code), e.g. ["BAD_USER_INPUT"]. */
  get codes(): string[] {
    return this.errors.map((error) => error.extensions?.code ?? 'UNKNOWN');
  }
}

export interface CoinsClientOptions {
  /** The gateway's GraphQL endpoint, e.g. "http://localhost:4000/graphql". */
  endpoint: string;
  /** Forwarded to EnKash verbatim, e.g. "Bearer <token>". */
  authorization: string;
}

/** The sha256 codegen embedded in a generated document (client preset, persistedDocuments). */
export function documentHash(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string')
    throw new Error('not a persisted document: run `npm run codegen` with persistedDocuments');
  return hash;
}

/** Executes any typed document by its hash: variables and result are typed by the document itself. */
export async function execute<TResult, TVariables>(
  options: CoinsClientOptions,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(options.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: options.authorization,
    },
    body: JSON.stringify({
      documentId: `sha256:${documentHash(document as TypedDocumentNode<unknown, never>)}`,
      variables,
    }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GatewayError[] };
  if (body.errors?.length || body.data == null) {
    throw new GatewayRequestError(body.errors ?? [], body.data, response.status);
  }
  return body.data;
}

type CoinConfig = CreateCoinEventMutation['createCoinEvent'];

/** One function per example operation, each returning the typed field. */
export function createCoinsClient(options: CoinsClientOptions) {
  return {
    createCoinEvent: async (input: CreateCoinEventInput): Promise<CoinConfig> =>
      (await execute(options, CreateCoinEventDocument, { input })).createCoinEvent,
    coinEvent: async (coinConfigId: string): Promise<CoinEventQuery['coinEvent']> =>
      (await execute(options, CoinEventDocument, { coinConfigId })).coinEvent,
    coinEvents: async (coinConfigIds: string[]): Promise<CoinEventsQuery['coinEvents']> =>
      (await execute(options, CoinEventsDocument, { coinConfigIds })).coinEvents,
    updateCoinEvent: async (
      coinConfigId: string,
      input: UpdateCoinEventInput,
    ): Promise<UpdateCoinEventMutation['updateCoinEvent']> =>
      (await execute(options, UpdateCoinEventDocument, { coinConfigId, input })).updateCoinEvent,
    allocateCoins: async (input: AllocateCoinsInput): Promise<AllocateCoinsMutation['allocateCoins']> =>
      (await execute(options, AllocateCoinsDocument, { input })).allocateCoins,
    coinBalance: async (userId: string): Promise<CoinBalanceQuery['coinBalance']> =>
      (await execute(options, CoinBalanceDocument, { userId })).coinBalance,
    coinBalances: async (userIds: string[]): Promise<CoinBalancesQuery['coinBalances']> =>
      (await execute(options, CoinBalancesDocument, { userIds })).coinBalances,
  };
}

export type CoinsClient = ReturnType<typeof createCoinsClient>;

export interface ExampleRun {
  created: CoinConfig;
  readBack: CoinEventQuery['coinEvent'];
  list: CoinEventsQuery['coinEvents'];
  updated: UpdateCoinEventMutation['updateCoinEvent'];
  allocation: AllocateCoinsMutation['allocateCoins'];
  balance: CoinBalanceQuery['coinBalance'];
  balances: CoinBalancesQuery['coinBalances'];
}

/**
 * A frontend's typical flow through every operation: configure an event, read it, change its
 * amount, allocate coins for it, read the balances. `unknownConfigId` shows the null entry.
 */
export async function runExample(
  options: CoinsClientOptions,
  ids: { companyId: string; event: string; userId: string; requestId: string; unknownConfigId: string },
): Promise<ExampleRun> {
  const client = createCoinsClient(options);
  const created = await client.createCoinEvent({
    configuration: 'DEFAULT',
    companyId: ids.companyId,
    event: ids.event,
    amount: 6,
  });
  const readBack = await client.coinEvent(created.coinConfigId);
  const list = await client.coinEvents([created.coinConfigId, ids.unknownConfigId]);
  const updated = await client.updateCoinEvent(created.coinConfigId, { amount: 10 });
  const allocation = await client.allocateCoins({
    companyId: ids.companyId,
    event: ids.event,
    userId: ids.userId,
    requestId: ids.requestId,
  });
  const balance = await client.coinBalance(ids.userId);
  const balances = await client.coinBalances([ids.userId, 'NOBODY']);
  return { created, readBack, list, updated, allocation, balance, balances };
}
