import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/upstream/envelope.js';

describe('parseEnvelope', () => {
  it('normalises the coins envelope {payload, response_code, response_message}', () => {
    expect(
      parseEnvelope({
        payload: { coinConfigId: 'WCC817428', amount: 6 },
        response_code: 0,
        response_message: 'Success',
      }),
    ).toEqual({ payload: { coinConfigId: 'WCC817428', amount: 6 }, responseCode: 0, responseMessage: 'Success' });
  });

  it('accepts the code/message variant of sibling EnKash APIs', () => {
    expect(parseEnvelope({ payload: 'Insufficient balance', code: 1, message: 'Insufficient balance' })).toEqual({
      payload: 'Insufficient balance',
      responseCode: 1,
      responseMessage: 'Insufficient balance',
    });
  });

  it('accepts a numeric string code in either variant', () => {
    expect(parseEnvelope({ payload: 5, response_code: '0', response_message: 'Success' })).toEqual({
      payload: 5,
      responseCode: 0,
      responseMessage: 'Success',
    });
    expect(parseEnvelope({ payload: null, code: '422', message: 'Invalid' })).toEqual({
      payload: null,
      responseCode: 422,
      responseMessage: 'Invalid',
    });
    expect(parseEnvelope({ payload: null, response_code: '-1' })?.responseCode).toBe(-1);
  });

  it('keeps a missing response_message as undefined', () => {
    expect(parseEnvelope({ payload: null, response_code: 0 })).toEqual({
      payload: null,
      responseCode: 0,
      responseMessage: undefined,
    });
  });

  it('prefers response_code when both spellings are present', () => {
    expect(parseEnvelope({ payload: 1, response_code: 0, response_message: 'Success', code: 7, message: 'x' })).toEqual(
      {
        payload: 1,
        responseCode: 0,
        responseMessage: 'Success',
      },
    );
  });

  it.each([
    ['null', null],
    ['a string', 'Success'],
    ['a number', 0],
    ['an array', [{ response_code: 0 }]],
    ['an object without a code', { payload: {}, response_message: 'Success' }],
    ['a fractional code', { payload: {}, response_code: 0.5 }],
    ['a non-numeric string code', { payload: {}, response_code: 'OK' }],
    ['a code string with spaces', { payload: {}, response_code: ' 0' }],
    ['an over-long numeric string code', { payload: {}, code: '12345678901' }],
    ['a boolean code', { payload: {}, code: false }],
    ['a non-string message', { payload: {}, response_code: 0, response_message: 42 }],
    ['a plain JSON object of another API', { error: 'Not Found', status: 404 }],
  ])('returns undefined for %s', (_label, value) => {
    expect(parseEnvelope(value)).toBeUndefined();
  });
});
