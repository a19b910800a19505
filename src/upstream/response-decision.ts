import type { z } from 'zod';
import { parseEnvelope } from './envelope.js';
import { type AddressForm, redactAddress, redactCredential } from './credential-redaction.js';
import type { HttpResponse } from './http-transport.js';
import { showsUpstreamMessage } from './outcome-classification.js';
import { UpstreamError, type UpstreamAnswer } from './upstream-error.js';

/** Upstream messages may reach clients and logs: keep them printable and short. */
const MAX_MESSAGE_LENGTH = 300;

/**
 * Decides what an upstream answer means, in this order:
 * 1. the HTTP status (any non-2xx is a failure, whatever the body says);
 * 2. for a 2xx, the envelope: not JSON, empty or not an envelope is a bad response;
 * 3. a non-zero response code is a business rejection (EnKash answers those with HTTP 200);
 * 4. the payload must match the endpoint's documented shape.
 * The response_message of every answer goes to the log (`upstreamMessage`); to clients only where
 * outcome-classification.ts says so (4xx and business rejections).
 */
export function decideResponse<T>(
  response: HttpResponse,
  payloadSchema: z.ZodType<T>,
  sentAuthorization?: string,
  /** The upstream's address as its messages may quote it (upstreamAddressForms), replaced in them. */
  upstreamAddress: readonly AddressForm[] = [],
): T {
  const json = parseJson(response.body);
  const envelope = json.ok ? parseEnvelope(json.value) : undefined;
  const answer: UpstreamAnswer = { status: response.status };
  let upstreamMessage: string | undefined;
  if (envelope) {
    answer.responseCode = envelope.responseCode;
    upstreamMessage = sanitizeMessage(envelope.responseMessage, sentAuthorization, upstreamAddress);
    if (upstreamMessage !== undefined && showsUpstreamMessage(response.status, envelope.responseCode)) {
      answer.responseMessage = upstreamMessage;
    }
  }

  if (response.status < 200 || response.status > 299) {
    throw new UpstreamError({
      reason: 'http-status',
      answer,
      upstreamMessage,
      retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
      detail: `HTTP ${response.status}`,
    });
  }
  if (!json.ok) {
    throw new UpstreamError({
      reason: 'bad-response',
      answer,
      upstreamMessage,
      detail: response.body.length === 0 ? 'empty body' : 'body is not JSON',
    });
  }
  if (!envelope) {
    throw new UpstreamError({
      reason: 'bad-response',
      answer,
      upstreamMessage,
      detail: 'body is not the coins envelope',
    });
  }
  if (envelope.responseCode !== 0) {
    throw new UpstreamError({
      reason: 'rejected',
      answer,
      upstreamMessage,
      detail: `response_code ${envelope.responseCode}`,
    });
  }
  const payload = payloadSchema.safeParse(envelope.payload);
  if (!payload.success) {
    throw new UpstreamError({
      reason: 'bad-response',
      answer,
      upstreamMessage,
      detail: `payload does not match the documented shape: ${payload.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    });
  }
  return payload.data;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim().length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function sanitizeMessage(
  message: string | undefined,
  sentAuthorization: string | undefined,
  upstreamAddress: readonly AddressForm[],
): string | undefined {
  if (message === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces
  const printable = message.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  // Redacted before cutting, so that a credential or address straddling the cut cannot survive in part.
  const redacted = redactAddress(redactCredential(printable, sentAuthorization), upstreamAddress).trim();
  return redacted.length > MAX_MESSAGE_LENGTH ? `${redacted.slice(0, MAX_MESSAGE_LENGTH)}…` : redacted;
}

/**
 * The longest Retry-After taken as given: RFC 9111 (1.2.2) counts a delta-seconds value too large
 * to represent as 2^31. Clients get `retryAfter` as a whole number, never Infinity (JSON null).
 */
const MAX_RETRY_AFTER_SECONDS = 2_147_483_648;

/** Retry-After is either delta-seconds or an HTTP date; both become whole seconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), MAX_RETRY_AFTER_SECONDS);
  // Only an IMF-fixdate-like value is a date ("Wed, 21 Oct 2015 07:28:00 GMT"): Date.parse
  // would also take "-5" or "1.5" for years, and tell clients to retry at once.
  if (!/^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, Math.ceil((date - now) / 1000)), MAX_RETRY_AFTER_SECONDS);
}
