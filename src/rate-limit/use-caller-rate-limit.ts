import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { callerRateLimited } from '../errors/graphql-errors.js';
import type { CallerRateLimit, RateLimitDecision } from './caller-rate-limit.js';
import { callerKey } from './caller-key.js';

/**
 * RATE_LIMIT_OPERATIONS per caller: counted once per operation that reaches execution (a
 * document that does not parse or validate is not counted), before any resolver runs, so an
 * operation over the limit never calls the upstream. Every counted response carries the
 * RateLimit headers of draft-ietf-httpapi-ratelimit-headers-06 (README: Rate limits).
 */
export function useCallerRateLimit(limit: CallerRateLimit): Plugin {
  const decisions = new WeakMap<Request, RateLimitDecision>();
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      // Our context factory built it (src/context.ts); yoga adds request and, under node:http, req.
      const context = args.contextValue as unknown as GatewayContext & { request: Request; req?: IncomingMessage };
      const subject = await authenticatedSubject(context);
      const decision = await limit.consume(callerKey({ request: context.request, req: context.req, subject }));
      // A batch counts each of its operations; its one response tells the count that matters: a
      // refusal first (Retry-After), else the latest count (fewest remaining). Entries run
      // concurrently, so "the last one decided" would be any of them.
      const previous = decisions.get(context.request);
      if (
        previous === undefined ||
        (previous.allowed && (!decision.allowed || decision.remaining <= previous.remaining))
      ) {
        decisions.set(context.request, decision);
      }
      if (!decision.allowed) setResultAndStopExecution({ errors: [callerRateLimited(decision.resetSeconds)] });
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (decision === undefined) return;
      response.headers.set('RateLimit-Limit', String(decision.limit));
      response.headers.set('RateLimit-Remaining', String(decision.remaining));
      response.headers.set('RateLimit-Reset', String(decision.resetSeconds));
      response.headers.set('RateLimit-Policy', `${decision.limit};w=${limit.windowSeconds}`);
      // A single refused operation has it from its error; a batch's response would not.
      if (!decision.allowed && !response.headers.has('Retry-After')) {
        response.headers.set('Retry-After', String(decision.resetSeconds));
      }
    },
  };
}

/**
 * The JWT subject when callers authenticate with JWTs. Authentication is lazy (introspection
 * needs none), so asking here authenticates the request once, up front; the answer is memoized
 * for the resolvers. A request that does not authenticate is counted by its Authorization value
 * (or address) instead, and its fields fail UNAUTHENTICATED as before.
 */
async function authenticatedSubject(context: GatewayContext): Promise<string | undefined> {
  try {
    const caller = await context.caller();
    return caller.kind === 'tenant' ? caller.subject : undefined;
  } catch {
    return undefined;
  }
}
