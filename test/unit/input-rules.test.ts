import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLError, isInputObjectType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AmountSchema,
  CoinConfigIdSchema,
  CompanyIdSchema,
  EventSchema,
  INPUT_RULES,
  parseArgs,
} from '../../src/schema/input-rules.js';

describe('input rules', () => {
  // Each rule: the schemas that share it, values it accepts, values it refuses.
  const RULES: Array<[rule: string, schemas: z.ZodType[], accepted: unknown[], refused: unknown[]]> = [
    [
      'companyId and coinConfigId',
      [CompanyIdSchema, CoinConfigIdSchema],
      ['A', 'CEKEKCARDS', 'cek-0_TCW2W8', 'x'.repeat(64)],
      ['x'.repeat(65), '', ' CEK', 'CEK ', 'CEK/../x', 'CEK.1', 'CÉK', 'CEK\n'],
    ],
    [
      'event',
      [EventSchema],
      ['MEAL_CARD_PAYMENT', 'e1', 'E'.repeat(64)],
      ['E'.repeat(65), '', 'MEAL-CARD', 'MEAL CARD', ' MEAL'],
    ],
    ['amount', [AmountSchema], [1, 1_000_000], [0, -1, 1_000_001, 1.5]],
  ];

  it.each(
    RULES.flatMap(([rule, schemas, accepted, refused]) => [
      ...accepted.map((value) => [rule, value, true, schemas] as const),
      ...refused.map((value) => [rule, value, false, schemas] as const),
    ]),
  )('%s %j → valid %s', (_rule, value, valid, schemas) => {
    for (const schema of schemas) expect(schema.safeParse(value).success).toBe(valid);
  });

  it('parseArgs returns the values unchanged (no trimming) when valid', () => {
    expect(parseArgs(z.object({ id: CompanyIdSchema }), { id: 'CEK' })).toEqual({ id: 'CEK' });
  });

  it('parseArgs reports every problem at once as BAD_USER_INPUT with paths from the argument name', () => {
    const schema = z.object({
      input: z.object({ companyId: CompanyIdSchema, event: EventSchema, amount: AmountSchema }),
    });
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

describe('the README states each rule as declared', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('### Input rules'),
    readme.indexOf('\n### ', readme.indexOf('### Input rules') + 1),
  );
  const characters = (rule: { maxLength: number; charset: readonly string[] }) =>
    `1–${rule.maxLength} characters of \`${rule.charset.join(' ')}\``;

  it.each([
    ['`companyId`, `coinConfigId`, `userId`', characters(INPUT_RULES.id)],
    ['`event`', characters(INPUT_RULES.event)],
    ['`amount`', `whole number ${INPUT_RULES.amount.min} … ${INPUT_RULES.amount.max.toLocaleString('en-US')}`],
    ['`requestId`', characters(INPUT_RULES.requestId)],
    ['id lists', `at most ${INPUT_RULES.idList.maxItems} ids`],
  ])('%s: %s', (argument, rule) => {
    expect(section).toContain(`| ${argument} | ${rule} |`);
  });

  it('the descriptions in the schema quote the same rules', () => {
    const sdl = readFileSync(join(import.meta.dirname, '../../schema.graphql'), 'utf8');
    for (const text of [
      INPUT_RULES.id.text,
      INPUT_RULES.event.text,
      INPUT_RULES.requestId.text,
      INPUT_RULES.amount.text,
    ]) {
      expect(sdl).toContain(text);
    }
  });

  it('every argument and input field a rule applies to states that rule in its description (GraphiQL docs)', () => {
    const schema = buildSchema(readFileSync(join(import.meta.dirname, '../../schema.graphql'), 'utf8'));
    const RULE_TEXT: Record<string, string> = {
      companyId: INPUT_RULES.id.text,
      coinConfigId: INPUT_RULES.id.text,
      userId: INPUT_RULES.id.text,
      coinConfigIds: INPUT_RULES.id.text,
      userIds: INPUT_RULES.id.text,
      event: INPUT_RULES.event.text,
      requestId: INPUT_RULES.requestId.text,
      amount: INPUT_RULES.amount.text,
    };
    const inputs: Array<{ where: string; name: string; description: string }> = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          for (const arg of field.args) {
            inputs.push({
              where: `${type.name}.${field.name}(${arg.name})`,
              name: arg.name,
              description: arg.description ?? '',
            });
          }
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          inputs.push({ where: `${type.name}.${field.name}`, name: field.name, description: field.description ?? '' });
        }
      }
    }
    const ruled = inputs.filter((input) => RULE_TEXT[input.name] !== undefined);
    expect(ruled.map((input) => input.where)).toContain('AllocateCoinsInput.companyId');
    const missing = ruled.filter((input) => !input.description.includes(RULE_TEXT[input.name] ?? ''));
    expect(missing.map((input) => input.where)).toEqual([]);
    for (const list of ['coinConfigIds', 'userIds']) {
      for (const input of ruled.filter((candidate) => candidate.name === list)) {
        expect(input.description, input.where).toContain(`${INPUT_RULES.idList.maxItems}`);
      }
    }
  });
});
