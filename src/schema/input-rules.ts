import { z } from 'zod';
import { badUserInput } from '../errors/graphql-errors.js';
import { CoinConfigurationSchema } from '../upstream/payloads.js';

/**
 * The gateway's own input rules, checked before any upstream call, each declared once here: its
 * zod check, its wording in the schema's descriptions (`text`), and the README's "Input rules"
 * table (test/unit/input-rules.test.ts compares it) all follow from the rule. Values are never
 * trimmed or fixed: what the client sent is what is judged.
 */
const nullNotAllowed = (issue: { input?: unknown }) =>
  issue.input === null ? 'must not be null: omit the field to leave it unchanged' : undefined;

/** "A-Z, a-z, 0-9, _ or -" */
const listed = (items: readonly string[]) => `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

/**
 * 1 to `maxLength` characters from `charset`: regex character-class ranges or single characters,
 * in the order they are written (a `-` goes last, where a class reads it literally).
 */
function characters(maxLength: number, charset: readonly string[]) {
  const text = `1-${maxLength} characters of ${listed(charset)}`;
  const regex = new RegExp(`^[${charset.join('')}]{1,${maxLength}}$`);
  return { maxLength, charset, text, schema: z.string({ error: nullNotAllowed }).regex(regex, `must be ${text}`) };
}

function wholeNumber(min: number, max: number) {
  return {
    min,
    max,
    text: `a whole number from ${min} to ${max}`,
    schema: z
      .number({ error: nullNotAllowed })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  };
}

/** The rules, by what they apply to. */
export const INPUT_RULES = {
  /** companyId, coinConfigId and userId. */
  id: characters(64, ['A-Z', 'a-z', '0-9', '_', '-']),
  event: characters(64, ['A-Z', 'a-z', '0-9', '_']),
  requestId: characters(128, ['A-Z', 'a-z', '0-9', '_', '.', ':', '-']),
  amount: wholeNumber(1, 1_000_000),
  /** Lists of ids: each id costs an upstream call. */
  idList: { maxItems: 100 },
} as const;

export const CompanyIdSchema = INPUT_RULES.id.schema;
export const CoinConfigIdSchema = CompanyIdSchema;
export const UserIdSchema = CompanyIdSchema;
export const EventSchema = INPUT_RULES.event.schema;
export const RequestIdSchema = INPUT_RULES.requestId.schema;
export const AmountSchema = INPUT_RULES.amount.schema;
/** The payload's enum (the values EnKash knows), refusing an explicit null like every rule here. */
export const ConfigurationSchema = z.enum(CoinConfigurationSchema.options, { error: nullNotAllowed });

/** An id argument's description: what it is, its rule, an example (GraphiQL's docs are what developers read). */
export const idDescription = (what: string, example: string) => `${what} (${INPUT_RULES.id.text}), e.g. "${example}".`;

/** Lists of ids: at most this many per query (each id costs an upstream call). */
export const MAX_IDS_PER_LIST = INPUT_RULES.idList.maxItems;

export const idList = (item: z.ZodString) =>
  z.array(item).max(MAX_IDS_PER_LIST, `must hold at most ${MAX_IDS_PER_LIST} ids`);

/**
 * Parses a field's arguments, reporting every problem at once as BAD_USER_INPUT with
 * `extensions.issues[].path` starting at the argument name (e.g. ["input", "amount"]).
 */
export function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.infer<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw badUserInput(
    result.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
      message: issue.message,
    })),
  );
}
