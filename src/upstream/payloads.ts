import { z } from 'zod';

/**
 * The payload shapes the coins API documents, one per endpoint. Unknown extra fields are
 * dropped; a missing or mistyped documented field makes the answer UPSTREAM_BAD_RESPONSE.
 */
export const CoinConfigurationSchema = z.enum(['DEFAULT', 'CUSTOM']);

/**
 * A whole number the gateway can pass on: its schema serves amounts and balances as GraphQL Int,
 * which is 32-bit signed. A larger value would fail only when the response is written, as an
 * error without a code; refused here, it is the upstream's bad response, reported and logged.
 */
const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
export type CoinConfiguration = z.infer<typeof CoinConfigurationSchema>;

/** Create Event (and, as assumed, Get Event) payload: the whole configuration. */
export const CoinConfigPayloadSchema = z.object({
  coinConfigId: z.string().min(1),
  configuration: CoinConfigurationSchema,
  companyId: z.string(),
  event: z.string(),
  amount: int32,
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
export const BalancePayloadSchema = int32;
