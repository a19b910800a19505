import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { builder } from './builder.js';
import { idDescription, idList, INPUT_RULES, MAX_IDS_PER_LIST, parseArgs, UserIdSchema } from './input-rules.js';
import { upstreamCallsForIds } from './upstream-costs.js';
import { requireScope } from './tenancy.js';

export interface CoinBalanceSource {
  userId: string;
  coins: number;
}

export const CoinBalanceRef = builder.objectRef<CoinBalanceSource>('CoinBalance').implement({
  description: "A user's coin balance at EnKash.",
  fields: (t) => ({
    id: t.exposeID('userId', {
      description:
        'Equal to userId. Normalized client caches (Apollo InMemoryCache, urql Graphcache) identify objects by id, ' +
        'so they update a cached balance after allocateCoins (select its balance) with no cache configuration.',
    }),
    userId: t.exposeID('userId', { description: 'The EnKash user id (e.g. "EKQZVMQK").' }),
    coins: t.exposeInt('coins', { description: 'Coins the user holds now.' }),
  }),
});

/**
 * Reads a balance through the operation's loader (each user at most once per operation; null when
 * EnKash has none). coinBalance(s), CoinAllocation.balance and federation's _entities all read
 * here, so a rule on reading a balance belongs here too.
 */
export async function loadBalance(context: GatewayContext, userId: string): Promise<CoinBalanceSource | null> {
  const coins = await context.loaders.balance.load(userId);
  return coins === null ? null : { userId, coins };
}

// Built once, not per call: building a zod object costs far more than parsing with it (README, Performance notes).
const UserIdArgsSchema = z.object({ userId: UserIdSchema });
const UserIdsArgsSchema = z.object({ userIds: idList(UserIdSchema) });

// A federation entity: a router resolves `{ __typename: "CoinBalance", userId }` through
// _entities, with the same scope rule (coins:balances or the caller's own user; checked here by
// hand, _entities not being a Pothos field), input rule, credential check and loader as coinBalance.
builder.asEntity(CoinBalanceRef, {
  key: builder.selection<{ userId: string }>('userId'),
  // async, so that a bad key fails this entity alone, at ["_entities", i].
  resolveReference: async (reference, context) => {
    await requireScope(
      context,
      '_entities',
      'coins:balances',
      typeof reference.userId === 'string' ? reference.userId : undefined,
    );
    const { userId } = parseArgs(UserIdArgsSchema, reference);
    context.requireCredentials();
    return loadBalance(context, userId);
  },
});

builder.queryFields((t) => ({
  coinBalance: t.field({
    type: CoinBalanceRef,
    nullable: true,
    description:
      "A user's coin balance (Get Balance); null when EnKash has no balance for the user. Scope: coins:balances, " +
      "except for the caller's own userId (its user claim).",
    args: {
      userId: t.arg.id({ required: true, description: idDescription('The EnKash user id', 'EKQZVMQK') }),
    },
    complexity: { field: 1, multiplier: 0 },
    authScopes: (_root, args) => ({ coins: 'coins:balances', ownUsers: [args.userId] }),
    resolve: (_root, args, context) => {
      const { userId } = parseArgs(UserIdArgsSchema, args);
      context.requireCredentials();
      return loadBalance(context, userId);
    },
  }),
  coinBalances: t.field({
    type: [CoinBalanceRef],
    nullable: { list: false, items: true },
    description:
      `Several users' balances: one entry per id, in order. Each distinct user is fetched once. At most ${MAX_IDS_PER_LIST} ids. ` +
      "Scope: coins:balances, unless every id is the caller's own userId.",
    args: {
      userIds: t.arg.idList({
        required: true,
        description: `Up to ${MAX_IDS_PER_LIST} EnKash user ids, each ${INPUT_RULES.id.text}.`,
      }),
    },
    complexity: (args) => ({ field: upstreamCallsForIds(args.userIds), multiplier: 0 }),
    authScopes: (_root, args) => ({ coins: 'coins:balances', ownUsers: args.userIds }),
    resolve: (_root, args, context) => {
      const { userIds } = parseArgs(UserIdsArgsSchema, args);
      context.requireCredentials();
      return userIds.map((userId) => loadBalance(context, userId));
    },
  }),
}));
