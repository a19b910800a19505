import type { FaultAction } from '../../src/sandbox/index.js';

/** The upstream's JSON envelope as body text, keys in this order: {payload, response_code, response_message}. */
export function envelopeBody(code: number, message: string, payload: unknown = null): string {
  return JSON.stringify({ payload, response_code: code, response_message: message });
}

/** A 'respond' fault answering `status` with `body` as application/json (plus any extra headers, after content-type). */
export function jsonReply(status: number, body: string, extraHeaders: Record<string, string> = {}): FaultAction {
  return { kind: 'respond', status, headers: { 'content-type': 'application/json', ...extraHeaders }, body };
}
