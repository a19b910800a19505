// Request body validation for the coins routes. One uniform rule, because upstream documents none:
// a field that is absent, null or '' is "missing" (HTTP 400); a present field of the wrong type or
// outside its domain "failed validation" (HTTP 422), the two statuses the EnKash guides list.

import { CONFIGURATIONS } from './state.js';
import type { Allocation, CoinConfigPatch, Configuration, NewCoinConfig } from './state.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; status: 400 | 422; message: string };

type Field = 'configuration' | 'companyId' | 'event' | 'amount' | 'requestId' | 'userId';

function missing(message: string): { ok: false; status: 400; message: string } {
  return { ok: false, status: 400, message };
}

function invalid(message: string): { ok: false; status: 422; message: string } {
  return { ok: false, status: 422, message };
}

/** Parses a JSON object body; anything else (bad JSON, arrays, scalars) is a 400. */
export function parseJsonObject(body: string): Validated<Record<string, unknown>> {
  if (body.trim() === '') return missing('Request body is required');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return missing('Malformed JSON request body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return missing('Request body must be a JSON object');
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function checkField(field: Field, value: unknown): string | undefined {
  switch (field) {
    case 'configuration':
      return typeof value === 'string' && (CONFIGURATIONS as readonly string[]).includes(value)
        ? undefined
        : `Invalid parameter: configuration must be one of ${CONFIGURATIONS.join(', ')}`;
    case 'amount':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
        ? undefined
        : 'Invalid parameter: amount must be a positive integer';
    default:
      return typeof value === 'string' ? undefined : `Invalid parameter: ${field} must be a string`;
  }
}

function validateRequired<T>(body: Record<string, unknown>, fields: readonly Field[]): Validated<T> {
  for (const field of fields) {
    if (isAbsent(body[field])) return missing(`Missing mandatory parameter: ${field}`);
  }
  for (const field of fields) {
    const problem = checkField(field, body[field]);
    if (problem) return invalid(problem);
  }
  const value: Record<string, unknown> = {};
  for (const field of fields) value[field] = body[field];
  return { ok: true, value: value as T };
}

const CONFIG_FIELDS = ['configuration', 'companyId', 'event', 'amount'] as const;
const ALLOCATION_FIELDS = ['companyId', 'event', 'requestId', 'userId'] as const;

export function validateNewConfig(body: Record<string, unknown>): Validated<NewCoinConfig> {
  return validateRequired<NewCoinConfig>(body, CONFIG_FIELDS);
}

export function validateAllocation(body: Record<string, unknown>): Validated<Allocation> {
  return validateRequired<Allocation>(body, ALLOCATION_FIELDS);
}

/** Every field optional, but at least one must be present; '' counts as a bad value here. */
export function validatePatch(body: Record<string, unknown>): Validated<CoinConfigPatch> {
  const patch: CoinConfigPatch = {};
  let present = 0;
  for (const field of CONFIG_FIELDS) {
    const raw = body[field];
    if (raw === undefined || raw === null) continue;
    present += 1;
    const problem = raw === '' ? `Invalid parameter: ${field} must not be empty` : checkField(field, raw);
    if (problem) return invalid(problem);
    if (field === 'configuration') patch.configuration = raw as Configuration;
    else if (field === 'amount') patch.amount = raw as number;
    else patch[field] = raw as string;
  }
  if (present === 0) return missing(`At least one of ${CONFIG_FIELDS.join(', ')} is required`);
  return { ok: true, value: patch };
}
