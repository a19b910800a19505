import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AmountSchema,
  CoinConfigIdSchema,
  CompanyIdSchema,
  EventSchema,
  parseArgs,
} from '../../src/schema/input-rules.js';

describe('input rules', () => {
  it.each([
    ['A', true],
    ['CEKEKCARDS', true],
    ['cek-0_TCW2W8', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    [' CEK', false],
    ['CEK ', false],
    ['CEK/../x', false],
    ['CEK.1', false],
    ['CÉK', false],
    ['CEK\n', false],
  ])('companyId and coinConfigId %j → valid %s', (value, valid) => {
    expect(CompanyIdSchema.safeParse(value).success).toBe(valid);
    expect(CoinConfigIdSchema.safeParse(value).success).toBe(valid);
  });

  it.each([
    ['MEAL_CARD_PAYMENT', true],
    ['e1', true],
    ['E'.repeat(64), true],
    ['E'.repeat(65), false],
    ['', false],
    ['MEAL-CARD', false],
    ['MEAL CARD', false],
    [' MEAL', false],
  ])('event %j → valid %s', (value, valid) => {
    expect(EventSchema.safeParse(value).success).toBe(valid);
  });

  it.each([
    [1, true],
    [1_000_000, true],
    [0, false],
    [-1, false],
    [1_000_001, false],
    [1.5, false],
  ])('amount %d → valid %s', (value, valid) => {
    expect(AmountSchema.safeParse(value).success).toBe(valid);
  });

  it('parseArgs returns the values unchanged (no trimming) when valid', () => {
    expect(parseArgs(z.object({ id: CompanyIdSchema }), { id: 'CEK' })).toEqual({ id: 'CEK' });
  });

  it('parseArgs reports every problem at once as BAD_USER_INPUT with paths from the argument name', () => {
    const schema = z.object({ input: z.object({ companyId: CompanyIdSchema, event: EventSchema, amount: AmountSchema }) });
    let thrown: unknown;
    try {
      parseArgs(schema, { input: { companyId: ' CEK', event: 'BAD-EVENT', amount: 0 } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    const error = thrown as GraphQLError;
    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [
        { path: ['input', 'companyId'], message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' },
        { path: ['input', 'event'], message: 'must be 1-64 characters of A-Z, a-z, 0-9 or _' },
        { path: ['input', 'amount'], message: 'must be at least 1' },
      ],
    });
    expect(error.message).toBe(
      'Invalid input: input.companyId: must be 1-64 characters of A-Z, a-z, 0-9, _ or -; ' +
        'input.event: must be 1-64 characters of A-Z, a-z, 0-9 or _; input.amount: must be at least 1',
    );
  });
});
