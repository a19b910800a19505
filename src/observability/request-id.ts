import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller's id may look like to be kept: safe in a header, a log line and a URL. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's x-request-id when it is 1-128 characters of A-Z a-z 0-9 . _ -, otherwise a new UUID. */
export function requestIdFrom(callerValue: string | null | undefined): string {
  return callerValue != null && ACCEPTABLE_REQUEST_ID.test(callerValue) ? callerValue : randomUUID();
}
