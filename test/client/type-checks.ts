/**
 * Compile-time checks that the generated documents are really typed (not `any`): each
 * `@ts-expect-error` below must hold, or `tsc -p test/client/tsconfig.json` fails.
 * Never executed.
 */
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { execute, type CoinsClientOptions } from './coins-client-example.js';
import { AllocateCoinsDocument, CoinEventDocument, CreateCoinEventDocument } from './gql/graphql.js';

export async function typeChecks(options: CoinsClientOptions): Promise<void> {
  const created = await execute(options, CreateCoinEventDocument, {
    input: { configuration: 'CUSTOM', companyId: 'C1', event: 'E1', amount: 1 },
  });
  const amount: number = created.createCoinEvent.amount;
  const configuration: 'DEFAULT' | 'CUSTOM' = created.createCoinEvent.configuration;

  await execute(options, CreateCoinEventDocument, {
    // @ts-expect-error amount is an Int, not a string
    input: { configuration: 'DEFAULT', companyId: 'C1', event: 'E1', amount: '1' },
  });
  await execute(options, CreateCoinEventDocument, {
    // @ts-expect-error configuration is the CoinConfiguration enum
    input: { configuration: 'OTHER', companyId: 'C1', event: 'E1', amount: 1 },
  });
  // @ts-expect-error requestId is required: it is the idempotency key
  await execute(options, AllocateCoinsDocument, { input: { companyId: 'C1', event: 'E1', userId: 'U1' } });

  const read = await execute(options, CoinEventDocument, { coinConfigId: 'WCC1' });
  // @ts-expect-error coinEvent is nullable (null for an unknown id)
  const readAmount: number = read.coinEvent.amount;
  // @ts-expect-error the operation does not select a field named coins
  void created.createCoinEvent.coins;

  const allocationBalance: ResultOf<typeof AllocateCoinsDocument>['allocateCoins']['balance']['coins'] = 0;
  const variables: VariablesOf<typeof CoinEventDocument> = { coinConfigId: 'WCC1' };
  void [amount, configuration, readAmount, allocationBalance, variables];
}
