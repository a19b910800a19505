import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What the per-caller limit can know about a request. */
export interface CallerFacts {
  request: Request;
  /** Node's request, when served by node:http (absent for in-process fetches). */
  req?: IncomingMessage;
  /** The authenticated caller's subject (JWT `sub`), when callers authenticate. */
  subject?: string;
}

/**
 * Who is counted by the per-caller rate limit, in this order:
 * 1. the JWT subject, when callers authenticate: one budget per principal, whatever token it uses;
 * 2. else a hash of the Authorization value (forwarding mode: one budget per EnKash token), so
 *    no credential is ever stored in Redis or memory;
 * 3. else the client address (behind a proxy this is the proxy's address: see README).
 * The prefixes keep the three spaces apart (a subject can never collide with a hash).
 */
export function callerKey(facts: CallerFacts): string {
  if (facts.subject !== undefined && facts.subject !== '') return `sub:${facts.subject}`;
  const authorization = facts.request.headers.get('authorization');
  if (authorization !== null && authorization.trim() !== '') {
    return `auth:${createHash('sha256').update(authorization, 'utf8').digest('base64url')}`;
  }
  return `addr:${facts.req?.socket.remoteAddress ?? 'unknown'}`;
}
