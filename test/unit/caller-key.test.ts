import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { callerKey } from '../../src/rate-limit/caller-key.js';

const request = (authorization?: string) =>
  new Request('http://gateway/graphql', { headers: authorization ? { authorization } : {} });
const fromAddress = (remoteAddress: string) => ({ socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('callerKey', () => {
  it('is the JWT subject when callers authenticate, whatever token they send', () => {
    expect(callerKey({ request: request('Bearer a'), subject: 'user-1' })).toBe('sub:user-1');
    expect(callerKey({ request: request('Bearer b'), subject: 'user-1' })).toBe('sub:user-1');
  });

  it('is a SHA-256 hash of the Authorization value otherwise, never the value', () => {
    const expected = createHash('sha256').update('Bearer secret-token').digest('base64url');
    expect(callerKey({ request: request('Bearer secret-token'), req: fromAddress('10.0.0.1') })).toBe(
      `auth:${expected}`,
    );
    expect(callerKey({ request: request('Bearer other') })).not.toBe(`auth:${expected}`);
  });

  it('is the client address without an Authorization value', () => {
    expect(callerKey({ request: request(), req: fromAddress('203.0.113.7') })).toBe('addr:203.0.113.7');
    expect(callerKey({ request: request('   '), req: fromAddress('203.0.113.7') })).toBe('addr:203.0.113.7');
    expect(callerKey({ request: request() })).toBe('addr:unknown');
  });
});
