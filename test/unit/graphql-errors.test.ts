import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors/graphql-errors.js';

const shown = (error: GraphQLError) => ({ message: error.message, extensions: error.extensions });
const wellFormedRequestError = { spec: true, status: 400 };
const issues = [{ path: ['input', 'amount'], message: 'must be at least 1' }];

describe('one constructor per code: message and extensions', () => {
  it.each([
    [
      'badUserInput',
      errors.badUserInput(issues),
      { message: 'Invalid input: input.amount: must be at least 1', extensions: { code: 'BAD_USER_INPUT', issues } },
    ],
    [
      'badVariables',
      errors.badVariables(issues),
      {
        message: 'Invalid input: input.amount: must be at least 1',
        extensions: { code: 'BAD_USER_INPUT', issues, http: wellFormedRequestError },
      },
    ],
    [
      'upstreamFailure, not retryable',
      errors.upstreamFailure('NOT_FOUND', 'gone'),
      { message: 'gone', extensions: { code: 'NOT_FOUND', retryable: false } },
    ],
    [
      'upstreamFailure, retryable, with the answer and Retry-After',
      errors.upstreamFailure('RATE_LIMITED', 'slow down', { upstream: { status: 429 }, retryAfter: 3 }),
      {
        message: 'slow down',
        extensions: { code: 'RATE_LIMITED', retryable: true, upstream: { status: 429 }, retryAfter: 3 },
      },
    ],
    [
      'badRequest',
      errors.badRequest('POST body sent invalid JSON.'),
      { message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
    ],
    [
      'unsupportedMediaType',
      errors.unsupportedMediaType('send JSON'),
      { message: 'send JSON', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415 } } },
    ],
    [
      'requestEntityTooLarge',
      errors.requestEntityTooLarge(),
      { message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } },
    ],
    [
      'graphqlParseFailed',
      errors.graphqlParseFailed('too long'),
      { message: 'too long', extensions: { code: 'GRAPHQL_PARSE_FAILED', http: wellFormedRequestError } },
    ],
    [
      'graphqlValidationFailed',
      errors.graphqlValidationFailed('stopped'),
      { message: 'stopped', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: wellFormedRequestError } },
    ],
    [
      'responseTooLarge',
      errors.responseTooLarge('too big'),
      { message: 'too big', extensions: { code: 'RESPONSE_TOO_LARGE' } },
    ],
    [
      'operationTooComplex',
      errors.operationTooComplex(300, 200),
      {
        message:
          'This operation may need 300 upstream calls; at most 200 are allowed in one operation. Split it into smaller operations.',
        extensions: { code: 'OPERATION_TOO_COMPLEX', http: wellFormedRequestError },
      },
    ],
    [
      'shuttingDown',
      errors.shuttingDown(),
      {
        message: 'The gateway is shutting down and did not run this request; send it again (on a new connection).',
        extensions: { code: 'SHUTTING_DOWN', retryable: true },
      },
    ],
  ])('%s', (_name, error, expected) => {
    expect(shown(error)).toEqual(expected);
  });

  it('a too-large response is serialized by hand as exactly message and code', () => {
    expect(JSON.stringify(errors.responseTooLarge('too big'))).toBe(
      '{"message":"too big","extensions":{"code":"RESPONSE_TOO_LARGE"}}',
    );
  });
});

describe('errors are built in one place', () => {
  const srcDir = join(import.meta.dirname, '../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );

  it('no GraphQLError with a code is constructed outside src/errors (the sandbox is not the gateway)', () => {
    const offenders = files(srcDir)
      .map((file) => relative(srcDir, file))
      .filter((file) => !file.startsWith('errors/') && !file.startsWith('sandbox/'))
      .filter((file) => /new GraphQLError\([^;]*?\bcode\s*[:,}]/s.test(readFileSync(join(srcDir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
