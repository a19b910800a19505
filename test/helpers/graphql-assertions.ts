// What a client sees of a failed field, and what the upstream received, written once for the
// integration tests: each test still states every value (message, code, extensions, location,
// method/path/body); these builders only spell the response's shape.

import type { SandboxServer } from '../../src/sandbox/index.js';

export type ResponsePath = ReadonlyArray<string | number>;

/** One entry of errors[] as the client receives it: message, where the field stands, its path, extensions. */
export function fieldError(
  path: ResponsePath,
  message: string,
  extensions: Record<string, unknown>,
  column: number,
  line = 1,
) {
  return { message, locations: [{ line, column }], path: [...path], extensions };
}

/** The extensions of a business rejection: HTTP 200 whose envelope has response_code 1 and this message. */
export function businessRejection(responseMessage: string) {
  return { code: 'UPSTREAM_REJECTED', retryable: false, upstream: { status: 200, responseCode: 1, responseMessage } };
}

/** One problem found by gateway validation: where in the arguments, and what is wrong. */
export interface InputIssue {
  path: ResponsePath;
  message: string;
}

/**
 * The BAD_USER_INPUT error of a field whose arguments the gateway refused: the message lists every
 * issue as "path.to.arg: problem", joined with "; ", and extensions.issues has them one by one.
 */
export function invalidInput(path: ResponsePath, issues: InputIssue[], column: number, line = 1) {
  const message = `Invalid input: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`;
  const listed = issues.map((issue) => ({ path: [...issue.path], message: issue.message }));
  return fieldError(path, message, { code: 'BAD_USER_INPUT', issues: listed }, column, line);
}

/** The requests the sandbox received, as method, path (query string included) and body text. */
export function sentRequests(sandbox: SandboxServer): Array<{ method: string; path: string; body: string }> {
  return sandbox.requests.map(({ method, path, body }) => ({ method, path, body }));
}
