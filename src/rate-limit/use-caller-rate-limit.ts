import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
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
      const context = args.contextValue as { request: Request; req?: IncomingMessage };
      const decision = await limit.consume(callerKey({ request: context.request, req: context.req }));
      decisions.set(context.request, decision);
      if (!decision.allowed) setResultAndStopExecution({ errors: [callerRateLimited(decision.resetSeconds)] });
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (decision === undefined) return;
      response.headers.set('RateLimit-Limit', String(decision.limit));
      response.headers.set('RateLimit-Remaining', String(decision.remaining));
      response.headers.set('RateLimit-Reset', String(decision.resetSeconds));
      response.headers.set('RateLimit-Policy', `${decision.limit};w=${limit.windowSeconds}`);
    },
  };
}
