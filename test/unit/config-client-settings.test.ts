import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configProblems as problems, useConfigFiles } from '../helpers/config-env.js';

/** Production settings, batching and trusted documents in the configuration. */

const { dir, file } = useConfigFiles();
const DOCUMENT = '{ __typename }';
const HASH = createHash('sha256').update(DOCUMENT).digest('hex');
const URL_SET = { COINS_API_URL: 'https://coins.example.com' };

describe('NODE_ENV=production', () => {
  it('refuses the sandbox: COINS_API_URL is required', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'COINS_API_URL is required when NODE_ENV=production: the built-in sandbox (fake data, any token accepted) never runs in production',
    ]);
  });

  it('turns GraphiQL and introspection off unless asked for; elsewhere they stay on', () => {
    expect(loadConfig({ NODE_ENV: 'production', ...URL_SET })).toMatchObject({
      graphiql: false,
      introspection: false,
    });
    expect(loadConfig({ NODE_ENV: 'production', ...URL_SET, GRAPHIQL: 'true', INTROSPECTION: 'true' })).toMatchObject({
      graphiql: true,
      introspection: true,
    });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      graphiql: true,
      introspection: true,
    });
  });

  it('GRAPHIQL and INTROSPECTION accept only true or false', () => {
    expect(problems({ GRAPHIQL: 'yes', INTROSPECTION: '1' })).toEqual([
      'GRAPHIQL must be true or false, got "yes"',
      'INTROSPECTION must be true or false, got "1"',
    ]);
  });
});

describe('GRAPHQL_BATCH_LIMIT', () => {
  it('defaults to 10; 0 turns batching off; at most 100', () => {
    expect(loadConfig({}).batchLimit).toBe(10);
    expect(loadConfig({ GRAPHQL_BATCH_LIMIT: '0' }).batchLimit).toBe(0);
    expect(problems({ GRAPHQL_BATCH_LIMIT: '101' })).toEqual([
      'GRAPHQL_BATCH_LIMIT must be a whole number from 0 to 100, got "101"',
    ]);
  });
});

describe('TRUSTED_DOCUMENTS and TRUSTED_DOCUMENTS_FILE', () => {
  it('loads the manifest; the mode defaults to allow with a file, off without', () => {
    const path = file('ok.json', JSON.stringify({ [HASH]: DOCUMENT }));
    const config = loadConfig({ TRUSTED_DOCUMENTS_FILE: path });
    expect(config.trustedDocumentsMode).toBe('allow');
    expect([...(config.trustedDocuments ?? [])]).toEqual([[HASH, DOCUMENT]]);
    expect(loadConfig({ TRUSTED_DOCUMENTS_FILE: path, TRUSTED_DOCUMENTS: 'required' }).trustedDocumentsMode).toBe(
      'required',
    );
    expect(loadConfig({}).trustedDocumentsMode).toBe('off');
    // off with a file: the file is not even read.
    expect(
      loadConfig({ TRUSTED_DOCUMENTS_FILE: join(dir, 'missing.json'), TRUSTED_DOCUMENTS: 'off' }).trustedDocuments,
    ).toBeUndefined();
  });

  it('refuses allow or required without a manifest, and an unknown mode', () => {
    expect(problems({ TRUSTED_DOCUMENTS: 'required' })).toEqual([
      'TRUSTED_DOCUMENTS=required needs TRUSTED_DOCUMENTS_FILE (the manifest codegen writes)',
    ]);
    expect(problems({ TRUSTED_DOCUMENTS: 'allow' })).toEqual([
      'TRUSTED_DOCUMENTS=allow needs TRUSTED_DOCUMENTS_FILE (the manifest codegen writes)',
    ]);
    expect(problems({ TRUSTED_DOCUMENTS: 'strict' })).toEqual([
      'TRUSTED_DOCUMENTS must be one of off, allow, required, got "strict"',
    ]);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /^TRUSTED_DOCUMENTS_FILE cannot be read \(ENOENT\)/],
    ['not JSON', () => file('bad.json', '{'), /^TRUSTED_DOCUMENTS_FILE is not JSON/],
    ['an array', () => file('array.json', '[]'), /^TRUSTED_DOCUMENTS_FILE must hold one JSON object/],
    ['an empty object', () => file('empty.json', '{}'), /^TRUSTED_DOCUMENTS_FILE holds no documents$/],
    [
      'a key that is not a sha256',
      () => file('key.json', JSON.stringify({ abc: DOCUMENT })),
      /is not a lowercase sha256 hex key/,
    ],
    [
      'a non-string document',
      () => file('value.json', JSON.stringify({ [HASH]: 1 })),
      /is not a lowercase sha256 hex key/,
    ],
    [
      'a hash that is not the sha256 of its document (e.g. sha1 from codegen defaults)',
      () => file('hash.json', JSON.stringify({ [HASH]: '{ other }' })),
      /is not the sha256 of its document/,
    ],
  ])('refuses %s', (_name, path, message) => {
    const found = problems({ TRUSTED_DOCUMENTS_FILE: path() });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});
