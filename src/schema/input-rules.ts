import { z } from 'zod';
import { badUserInput } from '../errors/graphql-errors.js';

/**
 * The gateway's own input rules, checked before any upstream call. Values are never trimmed
 * or fixed: what the client sent is what is judged.
 */
const nullNotAllowed = (issue: { input?: unknown }) =>
  issue.input === null ? 'must not be null: omit the field to leave it unchanged' : undefined;

const pattern = (regex: RegExp, message: string) => z.string({ error: nullNotAllowed }).regex(regex, message);

export const CompanyIdSchema = pattern(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
export const CoinConfigIdSchema = CompanyIdSchema;
export const UserIdSchema = CompanyIdSchema;
export const EventSchema = pattern(/^[A-Za-z0-9_]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9 or _');
export const RequestIdSchema = pattern(
  /^[A-Za-z0-9_.:-]{1,128}$/,
  'must be 1-128 characters of A-Z, a-z, 0-9, _, ., : or -',
);
export const AmountSchema = z
  .number({ error: nullNotAllowed })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(1_000_000, 'must be at most 1000000');
export const ConfigurationSchema = z.enum(['DEFAULT', 'CUSTOM'], { error: nullNotAllowed });

/** Lists of ids: at most this many per query (each id costs an upstream call). */
export const MAX_IDS_PER_LIST = 100;

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
