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

// payload may be absent: error bodies often carry only the code and the message.
const CoinsEnvelopeSchema = z.object({
  payload: z.unknown().optional(),
  response_code: ResponseCodeSchema,
  response_message: z.string().optional(),
});

const FamilyEnvelopeSchema = z.object({
  payload: z.unknown().optional(),
  code: ResponseCodeSchema,
  message: z.string().optional(),
});

export interface Envelope {
  payload: unknown;
  responseCode: number;
  responseMessage: string | undefined;
}

/** Returns the normalised envelope, or undefined when the value is not an envelope at all. */
export function parseEnvelope(value: unknown): Envelope | undefined {
  const coins = CoinsEnvelopeSchema.safeParse(value);
  if (coins.success) {
    return {
      payload: coins.data.payload,
      responseCode: coins.data.response_code,
      responseMessage: coins.data.response_message,
    };
  }
  const family = FamilyEnvelopeSchema.safeParse(value);
  if (family.success) {
    return {
      payload: family.data.payload,
      responseCode: family.data.code,
      responseMessage: family.data.message,
    };
  }
  return undefined;
}
