import { z } from 'zod';

/**
 * The coins envelope `{payload, response_code, response_message}`. Sibling EnKash APIs (Reward
 * Allocation) say `code`/`message` instead, so both spellings are accepted and normalised.
 * A numeric string code ("0") is accepted too: robustness costs nothing here.
 */
const ResponseCodeSchema = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d{1,9}$/)
    .transform(Number),
]);

export interface Envelope {
  payload: unknown;
  responseCode: number;
  responseMessage: string | undefined;
}

// payload may be absent: error bodies often carry only the code and the message.
const CoinsEnvelopeSchema = z
  .object({
    payload: z.unknown().optional(),
    response_code: ResponseCodeSchema,
    response_message: z.string().optional(),
  })
  .transform(
    (e): Envelope => ({ payload: e.payload, responseCode: e.response_code, responseMessage: e.response_message }),
  );

const FamilyEnvelopeSchema = z
  .object({ payload: z.unknown().optional(), code: ResponseCodeSchema, message: z.string().optional() })
  .transform((e): Envelope => ({ payload: e.payload, responseCode: e.code, responseMessage: e.message }));

/** The coins spelling first (it is what the coins API documents), then the family's. */
const EnvelopeSchema = z.union([CoinsEnvelopeSchema, FamilyEnvelopeSchema]);

/** Returns the normalised envelope, or undefined when the value is not an envelope at all. */
export function parseEnvelope(value: unknown): Envelope | undefined {
  const parsed = EnvelopeSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
