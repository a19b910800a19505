/**
 * Who is calling, as far as scopes and tenant isolation are concerned. GraphQL-free: the schema
 * turns a refusal into FORBIDDEN / NOT_FOUND / null.
 */

/** The OAuth scopes a caller JWT may carry, each granting a set of fields (README's table). */
export const COINS_SCOPES = ['coins:read', 'coins:write', 'coins:allocate', 'coins:balances'] as const;
export type CoinsScope = (typeof COINS_SCOPES)[number];

export type Caller = PartnerCaller | TenantCaller;

/**
 * Unrestricted: forwarding mode (whoever holds the EnKash token IS the partner) and service mode
 * with AUTH_DISABLED=true.
 */
export interface PartnerCaller {
  readonly kind: 'partner';
}

/** A caller authenticated by a JWT: only its companies, its scopes, its own balance. */
export interface TenantCaller {
  readonly kind: 'tenant';
  /** The JWT `sub` (who the caller is; the per-caller rate limit counts by it), when present. */
  readonly subject: string | undefined;
  /** The user claim: the EnKash userId whose balance this caller may always read. */
  readonly userId: string | undefined;
  /** 'all' when the company claim holds "*". */
  readonly companies: 'all' | ReadonlySet<string>;
  readonly scopes: ReadonlySet<string>;
}

export const PARTNER: PartnerCaller = Object.freeze({ kind: 'partner' });

export function hasScope(caller: Caller, scope: CoinsScope): boolean {
  return caller.kind === 'partner' || caller.scopes.has(scope);
}

export function mayActFor(caller: Caller, companyId: string): boolean {
  return caller.kind === 'partner' || caller.companies === 'all' || caller.companies.has(companyId);
}

/** Whether every company is open to the caller, so no configuration needs checking. */
export function actsForEveryCompany(caller: Caller): boolean {
  return caller.kind === 'partner' || caller.companies === 'all';
}

export function isOwnUser(caller: Caller, userId: string): boolean {
  return caller.kind === 'tenant' && caller.userId !== undefined && caller.userId === userId;
}

/** Names of the claims a caller JWT carries its companies and its userId in. */
export interface ClaimNames {
  /** AUTH_COMPANY_CLAIM. */
  company: string;
  /** AUTH_USER_CLAIM. */
  user: string;
}

/** The claim names when AUTH_COMPANY_CLAIM / AUTH_USER_CLAIM are unset: read by the config and the token CLI. */
export const DEFAULT_CLAIM_NAMES: ClaimNames = Object.freeze({ company: 'companies', user: 'sub' });

/** A claim of the wrong type: the token is malformed (UNAUTHENTICATED), not merely unprivileged. */
export class InvalidClaimError extends Error {
  constructor(readonly claim: string) {
    super(`claim "${claim}" has the wrong type`);
    this.name = 'InvalidClaimError';
  }
}

/**
 * Reads a verified JWT payload. Companies: a string or an array of strings, "*" meaning every
 * company; absent = none (least privilege). User: a string; absent = no own balance. Scopes:
 * OAuth's space-separated `scope` string and/or the `scp` array; absent = none.
 */
export function callerFromClaims(payload: Record<string, unknown>, claims: ClaimNames): TenantCaller {
  const companies = stringList(payload, claims.company, (value) => [value]);
  const userClaim = payload[claims.user];
  if (userClaim !== undefined && (typeof userClaim !== 'string' || userClaim === ''))
    throw new InvalidClaimError(claims.user);
  // Some identity providers (Azure AD) send scp as a space-separated string too.
  const scopes = [...stringList(payload, 'scope', splitScopes), ...stringList(payload, 'scp', splitScopes)];
  return Object.freeze({
    kind: 'tenant',
    subject: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined,
    userId: userClaim,
    companies: companies.includes('*') ? 'all' : new Set(companies),
    scopes: new Set(scopes),
  });
}

const splitScopes = (value: string): string[] => value.split(' ').filter((scope) => scope !== '');

/** An array of non-empty strings, or a string turned into one; anything else is the wrong type. */
function stringList(
  payload: Record<string, unknown>,
  claim: string,
  fromString: (value: string) => string[],
): string[] {
  const value = payload[claim];
  if (value === undefined) return [];
  const list = typeof value === 'string' ? fromString(value) : value;
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === 'string' && item !== '')) {
    throw new InvalidClaimError(claim);
  }
  return list;
}
