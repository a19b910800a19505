import { z } from 'zod';
import { ErrorCode } from '../errors/error-codes.js';
import { upstreamFailure } from '../errors/graphql-errors.js';
import { builder } from './builder.js';
import { CoinBalanceRef, loadBalance } from './coin-balance.js';
import { CompanyIdSchema, EventSchema, INPUT_RULES, RequestIdSchema, UserIdSchema } from './input-rules.js';
import { companyScopedInput } from './tenancy.js';

interface CoinAllocationSource {
  requestId: string;
  companyId: string;
  event: string;
  userId: string;
  message: string;
}

const CoinAllocationRef = builder.objectRef<CoinAllocationSource>('CoinAllocation').implement({
  description: 'A successful coin allocation: the user was credited the coins configured for the event.',
  fields: (t) => ({
    requestId: t.exposeID('requestId', { description: 'The idempotency key the allocation was made with.' }),
    companyId: t.exposeString('companyId', { description: 'The company whose event configuration was used.' }),
    event: t.exposeString('event', { description: 'The event that earned the coins.' }),
    userId: t.exposeID('userId', { description: 'The user who was credited.' }),
    message: t.exposeString('message', { description: "EnKash's confirmation message." }),
    balance: t.field({
      type: CoinBalanceRef,
      complexity: { field: 1, multiplier: 0 },
      description:
        "The user's balance read after this allocation succeeded (never a value from before it). Readable by whoever " +
        'made the allocation: no coins:balances scope needed.',
      resolve: async (allocation, _args, context) => {
        const balance = await loadBalance(context, allocation.userId);
        if (balance === null) {
          throw upstreamFailure(ErrorCode.NOT_FOUND, `The coins API has no balance for user ${allocation.userId}.`);
        }
        return balance;
      },
    }),
  }),
});

const AllocateCoinsInput = builder.inputType('AllocateCoinsInput', {
  description:
    'Credits a user for an event, with the coins the company configured for it. requestId is the idempotency ' +
    'key: on a retryable error, send the same input again with the SAME requestId, never a new one.',
  fields: (t) => ({
    companyId: t.string({
      required: true,
      description: `The company whose event configuration applies: ${INPUT_RULES.id.text}.`,
    }),
    event: t.string({
      required: true,
      description: `The configured event the user performed: ${INPUT_RULES.event.text}.`,
    }),
    userId: t.id({ required: true, description: `The EnKash user to credit: ${INPUT_RULES.id.text}.` }),
    requestId: t.id({
      required: true,
      description:
        `Client-chosen unique key of this allocation (${INPUT_RULES.requestId.text}). ` +
        'The same requestId never credits twice, so a retry with it is safe.',
    }),
  }),
});

const AllocateArgsSchema = z.object({
  input: z.object({
    companyId: CompanyIdSchema,
    event: EventSchema,
    userId: UserIdSchema,
    requestId: RequestIdSchema,
  }),
});

builder.mutationFields((t) => ({
  allocateCoins: t.field({
    type: CoinAllocationRef,
    description:
      'Allocates coins to a user for an event (Allocate Coins). Never resent by the gateway; on a retryable ' +
      'error (extensions.retryable) resend with the same requestId. Scope: coins:allocate; FORBIDDEN for a company ' +
      "outside the caller's.",
    args: {
      input: t.arg({ type: AllocateCoinsInput, required: true, description: 'Who, for which event, under which key.' }),
    },
    // The allocation, plus what its selection costs (balance: one Get Balance).
    complexity: { field: 1, multiplier: 1 },
    authScopes: { coins: 'coins:allocate' },
    resolve: async (_root, args, context) => {
      const { input, credentials } = await companyScopedInput(context, AllocateArgsSchema, args);
      const message = await context.coins.allocateCoins(input, credentials);
      // The allocation changed this user's balance: a balance read earlier in the operation is stale.
      context.forgetBalance(input.userId);
      return { ...input, message };
    },
  }),
}));
