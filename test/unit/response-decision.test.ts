import { describe, expect, it } from 'vitest';
import { decideResponse, parseRetryAfter } from '../../src/upstream/response-decision.js';
import { DOCUMENTED_EXAMPLE_CONFIG } from '../../src/sandbox/index.js';
import { redactAddress, upstreamAddressForms } from '../../src/upstream/credential-redaction.js';
import type { HttpResponse } from '../../src/upstream/http-transport.js';
import {
  CoinConfigPayloadSchema,
  PartialCoinConfigPayloadSchema,
  BalancePayloadSchema,
} from '../../src/upstream/payloads.js';
import { UpstreamError } from '../../src/upstream/upstream-error.js';
import { envelopeBody } from '../helpers/fault-actions.js';
import { answer as response } from '../helpers/upstream-fakes.js';

const CONFIG = DOCUMENTED_EXAMPLE_CONFIG;
const SUCCESS = envelopeBody(0, 'Success', CONFIG);
const HTML = '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>';

/** The UpstreamError decideResponse throws, as a plain object of what matters to callers. */
function failure(res: HttpResponse, schema: Parameters<typeof decideResponse>[1] = CoinConfigPayloadSchema) {
  try {
    decideResponse(res, schema);
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    const e = error as UpstreamError;
    return { reason: e.reason, answer: e.answer, retryAfterSeconds: e.retryAfterSeconds };
  }
  throw new Error('decideResponse did not throw');
}

describe('decideResponse: a 2xx is judged by its body', () => {
  it('returns the validated payload of a success envelope', () => {
    expect(decideResponse(response(200, SUCCESS), CoinConfigPayloadSchema)).toEqual(CONFIG);
  });

  it('drops undocumented extra payload fields', () => {
    const body = envelopeBody(0, 'Success', { ...CONFIG, internal: 'x' });
    expect(decideResponse(response(200, body), CoinConfigPayloadSchema)).toEqual(CONFIG);
  });

  it('accepts the code/message variant and a numeric string code', () => {
    expect(
      decideResponse(
        response(200, JSON.stringify({ payload: 42, code: '0', message: 'Success' })),
        BalancePayloadSchema,
      ),
    ).toBe(42);
  });

  it('accepts any 2xx status, not only 200', () => {
    expect(decideResponse(response(201, SUCCESS), CoinConfigPayloadSchema)).toEqual(CONFIG);
  });

  it.each([
    ['an empty body', ''],
    ['a whitespace-only body', '  \n'],
    ['an HTML page', HTML],
    ['text that is not JSON', 'OK'],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['a JSON object of another shape', '{"status":"ok"}'],
    ['a JSON string', '"Success"'],
  ])('%s is a bad response without envelope facts', (_label, body) => {
    expect(failure(response(200, body))).toEqual({
      reason: 'bad-response',
      answer: { status: 200 },
      retryAfterSeconds: undefined,
    });
  });

  it('a non-zero response_code is a rejection carrying the upstream code and message', () => {
    const body = envelopeBody(1, 'Coin configuration already exists', 'dup');
    expect(failure(response(200, body))).toEqual({
      reason: 'rejected',
      answer: { status: 200, responseCode: 1, responseMessage: 'Coin configuration already exists' },
      retryAfterSeconds: undefined,
    });
  });

  it('a rejection is decided before the payload shape (its payload is usually a string)', () => {
    const body = JSON.stringify({ payload: 'Insufficient balance', code: '1', message: 'Insufficient balance' });
    expect(failure(response(200, body)).reason).toBe('rejected');
  });

  it.each([
    ['a missing field', { coinConfigId: 'WCC1', configuration: 'DEFAULT', companyId: 'C', event: 'E' }],
    ['a wrong type', { ...CONFIG, amount: '6' }],
    ['a fractional amount', { ...CONFIG, amount: 6.5 }],
    ['an unknown configuration', { ...CONFIG, configuration: 'SPECIAL' }],
    ['an empty coinConfigId', { ...CONFIG, coinConfigId: '' }],
    ['a null payload', null],
    ['a string payload', 'Success'],
  ])('a payload with %s is a bad response that keeps the envelope facts', (_label, payload) => {
    const body = envelopeBody(0, 'Success', payload);
    expect(failure(response(200, body))).toEqual({
      reason: 'bad-response',
      answer: { status: 200, responseCode: 0 },
      retryAfterSeconds: undefined,
    });
  });

  it('the partial Get/Update payload needs only the id', () => {
    const body = envelopeBody(0, 'Success', { coinConfigId: 'WCC1', amount: 3 });
    expect(decideResponse(response(200, body), PartialCoinConfigPayloadSchema)).toEqual({
      coinConfigId: 'WCC1',
      amount: 3,
    });
    const noId = envelopeBody(0, 'Success', { amount: 3 });
    expect(failure(response(200, noId), PartialCoinConfigPayloadSchema).reason).toBe('bad-response');
  });
});

describe('decideResponse: the HTTP status decides first, whatever the body says', () => {
  const bodies: Array<[string, string]> = [
    ['a success envelope', SUCCESS],
    ['an HTML page', HTML],
    ['an empty body', ''],
    ['an error envelope', envelopeBody(9, 'Nope')],
  ];
  for (const status of [400, 401, 403, 404, 422, 429, 500, 502, 503, 504]) {
    it.each(bodies)(`HTTP ${status} with %s is an http-status failure`, (_label, body) => {
      const result = failure(response(status, body));
      expect(result.reason).toBe('http-status');
      expect(result.answer?.status).toBe(status);
    });
  }

  it('carries the envelope code and message of an error body', () => {
    const body = envelopeBody(422, 'Invalid parameter: amount');
    expect(failure(response(422, body))).toEqual({
      reason: 'http-status',
      answer: { status: 422, responseCode: 422, responseMessage: 'Invalid parameter: amount' },
      retryAfterSeconds: undefined,
    });
  });

  it('carries only the status when the error body is not an envelope', () => {
    expect(failure(response(502, HTML)).answer).toEqual({ status: 502 });
  });

  it('reads Retry-After (seconds) of a 429', () => {
    expect(failure(response(429, '', { 'retry-after': '7' }))).toEqual({
      reason: 'http-status',
      answer: { status: 429 },
      retryAfterSeconds: 7,
    });
  });

  it('makes upstream messages printable and short', () => {
    const long = `bad\u0000\u001b[31m ${'x'.repeat(400)}`;
    const body = envelopeBody(400, long);
    const message = failure(response(400, body)).answer?.responseMessage ?? '';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that none is left
    expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(message.startsWith('bad [31m')).toBe(true);
    expect(message.length).toBe(301);
    expect(message.endsWith('…')).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00.000Z');

  it.each([
    ['120', 120],
    ['0', 0],
    [' 5 ', 5],
  ])('reads delta-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('reads an HTTP date as whole seconds from now, rounded up', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now + 500)).toBe(30);
  });

  it('an HTTP date in the past means 0', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('uses the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3);
  });

  // RFC 9111 (1.2.2): a delta-seconds value too large to represent counts as 2^31. Without the cap
  // 400 digits parsed as Infinity, sent to clients as "retryAfter": null.
  it.each([
    ['2^31', '2147483648', 2_147_483_648],
    ['20 digits', '99999999999999999999', 2_147_483_648],
    ['400 digits', '9'.repeat(400), 2_147_483_648],
    ['a date in the year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT', 2_147_483_648],
  ])('caps %s at 2^31 seconds, a whole number', (_label, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['garbage', 'soon'],
    ['negative', '-5'],
    ['fractional', '1.5'],
  ])('is undefined when %s', (_label, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('decideResponse: which upstream messages clients may see', () => {
  const AUTHORIZATION = 'Bearer s3cr3t-token';
  function thrown(res: HttpResponse, authorization?: string): UpstreamError {
    try {
      decideResponse(res, CoinConfigPayloadSchema, authorization);
    } catch (error) {
      return error as UpstreamError;
    }
    throw new Error('decideResponse did not throw');
  }

  it.each([500, 502, 503, 504])('HTTP %i: the message stays out of the answer, kept for the log', (status) => {
    const error = thrown(
      response(status, envelopeBody(status, 'at com.enkash.Dao.save(Dao.java:42) jdbc:mysql://10.9.8.7')),
    );
    expect(error.answer).toEqual({ status, responseCode: status });
    expect(error.upstreamMessage).toBe('at com.enkash.Dao.save(Dao.java:42) jdbc:mysql://10.9.8.7');
  });

  it('a 1xx/3xx and a bad 2xx keep no message either', () => {
    expect(thrown(response(302, envelopeBody(0, 'moved'))).answer).toEqual({ status: 302, responseCode: 0 });
    expect(thrown(response(200, envelopeBody(0, 'SQLSTATE[42S02]'))).answer).toEqual({ status: 200, responseCode: 0 });
  });

  it('a 4xx and a business rejection keep it', () => {
    expect(thrown(response(409, envelopeBody(409, 'Conflict'))).answer).toEqual({
      status: 409,
      responseCode: 409,
      responseMessage: 'Conflict',
    });
    expect(thrown(response(200, envelopeBody(2, 'Not configured'))).answer).toEqual({
      status: 200,
      responseCode: 2,
      responseMessage: 'Not configured',
    });
  });

  it.each([
    [`bad header ${AUTHORIZATION}!`, 'bad header [redacted]!'],
    ['token s3cr3t-token expired; again: s3cr3t-token', 'token [redacted] expired; again: [redacted]'],
  ])('redacts the credential sent upstream: %s', (message, redacted) => {
    const error = thrown(response(401, envelopeBody(401, message)), AUTHORIZATION);
    expect(error.answer?.responseMessage).toBe(redacted);
    expect(error.upstreamMessage).toBe(redacted);
    expect(thrown(response(500, envelopeBody(500, message)), AUTHORIZATION).upstreamMessage).toBe(redacted);
  });

  it('redacts before cutting at 300 characters, so no part of the token survives the cut', () => {
    const message = `${'x'.repeat(295)}${AUTHORIZATION}`;
    expect(thrown(response(400, envelopeBody(400, message)), AUTHORIZATION).answer?.responseMessage).toBe(
      `${'x'.repeat(295)}[reda…`,
    );
  });
});

describe("the upstream's address in its messages", () => {
  it.each([
    ['http://127.0.0.1:38041', 'refused by 127.0.0.1:38041 (127.0.0.1)', 'refused by [upstream] ([upstream])'],
    ['https://coins.internal.example/api', 'see https://coins.internal.example/api/x', 'see https://[upstream]/api/x'],
    ['http://[::1]:8080', 'node [::1]:8080 down', 'node [upstream] down'],
    // A one-word host name is replaced only as host:port or after a scheme: "coins" is also a word.
    ['http://coins:8080', 'No coins at coins:8080 or http://coins/', 'No coins at [upstream] or http://[upstream]/'],
  ])('%s: %j → %j', (url, message, expected) => {
    expect(redactAddress(message, upstreamAddressForms(url))).toBe(expected);
  });

  it('decideResponse replaces it in the message a client sees and the one the log keeps', () => {
    const said = 'Invalid amount at https://[upstream]/api';
    expect(() =>
      decideResponse(
        response(422, envelopeBody(422, 'Invalid amount at https://coins.internal.example:8443/api')),
        CoinConfigPayloadSchema,
        undefined,
        upstreamAddressForms('https://coins.internal.example:8443'),
      ),
    ).toThrow(
      expect.objectContaining({ answer: expect.objectContaining({ responseMessage: said }), upstreamMessage: said }),
    );
  });
});
