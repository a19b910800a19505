import { actsForEveryCompany, hasScope, isOwnUser, mayActFor, type CoinsScope } from '../auth/caller.js';
import type { GatewayContext } from '../context.js';
import { forbidden, missingScope, notFound } from '../errors/graphql-errors.js';
import type { CallCredentials } from '../upstream/coins-client.js';
import type { PartialCoinConfigPayload } from '../upstream/payloads.js';
import { parseArgs } from './input-rules.js';
import type { z } from 'zod';

/**
 * Tenant isolation: a caller JWT names the companies its caller may act for. Existence of
 * another company's configuration is never disclosed: reading it gives null, changing it
 * NOT_FOUND, exactly as for an id that does not exist. Without caller JWTs (forwarding mode,
 * AUTH_DISABLED) every company is open and none of this costs an upstream call.
 */

/** FORBIDDEN unless the caller may act for the company; checked before any upstream call. */
export async function requireCompany(context: GatewayContext, companyId: string): Promise<void> {
  if (!mayActFor(await context.caller(), companyId)) {
    throw forbidden(`Forbidden: this caller may not act for company ${companyId}.`);
  }
}

/**
 * The input of a mutation that acts for one company (createCoinEvent, allocateCoins), checked in
 * the order each of them needs before its upstream call: the input rules (BAD_USER_INPUT), the
 * caller's companies (FORBIDDEN), then the credentials to call with.
 */
export async function companyScopedInput<S extends z.ZodType<{ input: { companyId: string } }>>(
  context: GatewayContext,
  schema: S,
  args: unknown,
): Promise<{ input: z.output<S>['input']; credentials: CallCredentials }> {
  const { input } = parseArgs(schema, args);
  await requireCompany(context, input.companyId);
  return { input, credentials: context.requireCredentials() };
}

/** The configuration if the caller may see it, else null. A configuration without companyId is hidden. */
export async function visibleConfig(
  context: GatewayContext,
  config: PartialCoinConfigPayload | null,
): Promise<PartialCoinConfigPayload | null> {
  if (config === null) return null;
  const caller = await context.caller();
  if (actsForEveryCompany(caller)) return config;
  return config.companyId !== undefined && mayActFor(caller, config.companyId) ? config : null;
}

/**
 * Before a change to an existing configuration: NOT_FOUND unless it exists and belongs to one of
 * the caller's companies, read through the operation's loader (so a later read of it in the same
 * operation costs nothing). No read at all for a caller that acts for every company.
 */
export async function requireVisibleConfig(context: GatewayContext, coinConfigId: string): Promise<void> {
  if (actsForEveryCompany(await context.caller())) return;
  const visible = await visibleConfig(context, await context.loaders.coinConfig.load(coinConfigId));
  if (visible === null) throw notFound(`Not found: there is no coin configuration ${coinConfigId}.`);
}

/**
 * The scope check scope-auth makes on Pothos fields, for resolvers outside them (federation's
 * resolveReference): FORBIDDEN unless the caller has the scope or, when `ownUserId` is given, it
 * is the caller's own user. UNAUTHENTICATED (from context.caller) without a valid caller.
 */
export async function requireScope(
  context: GatewayContext,
  fieldName: string,
  scope: CoinsScope,
  ownUserId?: string,
): Promise<void> {
  const caller = await context.caller();
  if (hasScope(caller, scope) || (ownUserId !== undefined && isOwnUser(caller, ownUserId))) return;
  throw missingScope(fieldName, [scope], ownUserId !== undefined);
}
