import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { hasScope, isOwnUser, type Caller, type CoinsScope } from '../auth/caller.js';
import type { GatewayContext } from '../context.js';
import { missingScope } from '../errors/graphql-errors.js';

/**
 * Only sets up the builder: context type, scalar typings, plugins, root types.
 *
 * The complexity plugin measures what an operation may cost upstream: each field's `complexity`
 * is the number of upstream calls it can make (src/plugins/upstream-budget.ts enforces the budget).
 * Fields cost nothing unless they say so, and a field's selection only counts through its
 * `multiplier` (0 where the selected fields are answered from the same upstream response).
 *
 * The scope-auth plugin checks the auth scopes a field requires (`authScopes: { coins:
 * 'coins:read' }`) before its resolver runs.
 */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  // graphql-js always coerces ID input to a string; ids are strings upstream too.
  Scalars: { ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
  AuthScopes: {
    /** The caller JWT grants this scope (always true in forwarding mode and with AUTH_DISABLED). */
    coins: CoinsScope;
    /** Every one of these userIds is the caller's own (its user claim). */
    ownUsers: readonly string[];
  };
}>({
  // Scope auth first, so that its check runs before anything else wraps a resolver. Federation
  // (entities, @key, _service/_entities) needs the directives plugin. It stays last: plugins that
  // wrap resolvers (auth, complexity) must come before it.
  plugins: [ScopeAuthPlugin, ComplexityPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  complexity: { defaultComplexity: 0, defaultListMultiplier: 0 },
  scopeAuth: {
    // Establishing the caller (verifying its JWT) happens here, once per request and only when a
    // field with authScopes is reached; an UNAUTHENTICATED error thrown by it is the field's error.
    authScopes: (context) => {
      const caller = context.caller();
      return caller instanceof Promise ? caller.then(scopesOf) : scopesOf(caller);
    },
    unauthorizedError: (_parent, _context, info, result) => forbiddenFor(info.fieldName, result.failure),
  },
});

function scopesOf(caller: Caller) {
  return {
    coins: (scope: CoinsScope) => hasScope(caller, scope),
    ownUsers: (userIds: readonly string[]) =>
      userIds.length > 0 && userIds.every((userId) => isOwnUser(caller, userId)),
  };
}

/** FORBIDDEN naming the scopes the field needed (read from scope-auth's failure tree). */
function forbiddenFor(fieldName: string, failure: AuthFailure) {
  const scopes = new Set<string>();
  let ownUsers = false;
  const collect = (node: AuthFailure): void => {
    if (node.kind === AuthScopeFailureType.AuthScope) {
      if (node.scope === 'coins') scopes.add(String(node.parameter));
      if (node.scope === 'ownUsers') ownUsers = true;
    } else if (node.kind === AuthScopeFailureType.AnyAuthScopes || node.kind === AuthScopeFailureType.AllAuthScopes) {
      node.failures.forEach(collect);
    }
  };
  collect(failure);
  return missingScope(fieldName, [...scopes], ownUsers);
}

builder.queryType({
  description: 'Reads from EnKash Point Management (coins): coin event configurations and user balances.',
});

builder.mutationType({
  description:
    'Changes in EnKash Point Management (coins). Mutations are never retried by the gateway: on a retryable error, ' +
    'the client decides (allocateCoins is safe to resend with the same requestId).',
});
