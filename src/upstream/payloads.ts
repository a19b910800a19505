import { z } from 'zod';

/**
 * The payload shapes the coins API documents, one per endpoint. Unknown extra fields are
 * dropped; a missing or mistyped documented field makes the answer UPSTREAM_BAD_RESPONSE.
 */
export const CoinConfigurationSchema = z.enum(['DEFAULT', 'CUSTOM']);
export type CoinConfiguration = z.infer<typeof CoinConfigurationSchema>;

/** Create Event (and, as assumed, Get Event) payload: the whole configuration. */
export const CoinConfigPayloadSchema = z.object({
  coinConfigId: z.string().min(1),
  configuration: CoinConfigurationSchema,
  companyId: z.string(),
  event: z.string(),
  amount: z.number().int(),
});
export type CoinConfigPayload = z.infer<typeof CoinConfigPayloadSchema>;

/**
 * Get Event's response is undocumented, and Update Event's documented payload lacks companyId:
 * only the id is required, and the GraphQL layer fetches what a query selects but lacks.
 */
export const PartialCoinConfigPayloadSchema = CoinConfigPayloadSchema.partial().required({
  coinConfigId: true,
});
export type PartialCoinConfigPayload = z.infer<typeof PartialCoinConfigPayloadSchema>;

/** Allocate Coins answers with a human-readable string. */
export const AllocationPayloadSchema = z.string();

/** Get Balance answers with the integer balance. */
export const BalancePayloadSchema = z.number().int();
