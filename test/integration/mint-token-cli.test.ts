import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createJwtVerifier } from '../../src/auth/caller-jwt.js';
import { DEV_JWT_SECRET } from '../../src/auth/dev-token.js';
import { loadConfig } from '../../src/config.js';
import { SANDBOX_SERVICE_CREDENTIALS } from '../helpers/service-mode.js';

/**
 * `npm run token` as a user runs it (a child process, tsx), reading AUTH_JWT_SECRET /
 * AUTH_JWT_SECRET_FILE exactly as the gateway's config does. The environment is only what a test gives.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'a-secret-of-at-least-32-bytes-for-the-cli!';
const dir = mkdtempSync(join(tmpdir(), 'mint-token-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mintToken(env: Record<string, string>): Promise<CliRun> {
  return mintTokenWith(env, ['--company', 'CEKEKCARDS', '--scope', 'coins:read']);
}

function mintTokenWith(env: Record<string, string>, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/auth/mint-token-cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

/** The companies of the token `run` printed, verified with `secret` (throws if it does not verify). */
async function companiesVerifiedWith(secret: string, run: CliRun): Promise<unknown> {
  const verify = createJwtVerifier(
    { key: { secret: new TextEncoder().encode(secret) } },
    { company: 'companies', user: 'sub' },
  );
  return (await verify(run.stdout.trim())).companies;
}

describe('npm run token: the HS256 secret, read as the gateway reads it', () => {
  it('AUTH_JWT_SECRET_FILE: the file without its trailing newline, the path trimmed', async () => {
    const run = await mintToken({ AUTH_JWT_SECRET_FILE: `  ${file('secret', `${SECRET}\n`)} ` });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await companiesVerifiedWith(SECRET, run)).toEqual(new Set(['CEKEKCARDS']));
  });

  it('neither set: the development secret, with a note', async () => {
    const run = await mintToken({});
    expect(run).toMatchObject({
      code: 0,
      stderr: 'note: AUTH_JWT_SECRET is not set: signed with the development secret (accepted in sandbox mode only)\n',
    });
    expect(await companiesVerifiedWith(DEV_JWT_SECRET, run)).toEqual(new Set(['CEKEKCARDS']));
  });

  it.each<[string, () => Record<string, string>, () => string]>([
    [
      'both AUTH_JWT_SECRET and AUTH_JWT_SECRET_FILE',
      () => ({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_SECRET_FILE: file('both', 'another-secret-of-at-least-32-bytes!!') }),
      () => 'Set either AUTH_JWT_SECRET or AUTH_JWT_SECRET_FILE, not both',
    ],
    [
      'an empty AUTH_JWT_SECRET_FILE',
      () => ({ AUTH_JWT_SECRET_FILE: file('empty', '\n') }),
      () => `AUTH_JWT_SECRET_FILE: ${join(dir, 'empty')} is empty`,
    ],
    [
      'an AUTH_JWT_SECRET shorter than 32 bytes',
      () => ({ AUTH_JWT_SECRET: 'a-31-byte-secret-0123456789abcd' }),
      () => 'AUTH_JWT_SECRET must be at least 32 bytes long',
    ],
    [
      'an AUTH_JWT_SECRET_FILE holding a secret shorter than 32 bytes',
      () => ({ AUTH_JWT_SECRET_FILE: file('short', 'short-s3cret\n') }),
      () => 'AUTH_JWT_SECRET_FILE must be at least 32 bytes long',
    ],
    [
      'an AUTH_JWT_SECRET_FILE that cannot be read',
      () => ({ AUTH_JWT_SECRET_FILE: join(dir, 'missing') }),
      () => `AUTH_JWT_SECRET_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ],
  ])('%s: exit 2, the gateway config message (no token, no stack, no secret)', async (_label, env, message) => {
    const run = await mintToken(env());
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${message()}\n` });
    expect(run.stderr).not.toMatch(/s3cret|0123456789abcd|another-secret/);
  });
});

describe('npm run token: issuer, audience and claim names, read as the gateway reads them', () => {
  // Blank-padded values, as a shell script or a .env file easily gives them: the gateway trims them.
  const PADDED = {
    AUTH_JWT_SECRET: SECRET,
    AUTH_JWT_ISSUER: '  https://idp.example.com ',
    AUTH_JWT_AUDIENCE: '\tcoins-gateway  ',
    AUTH_COMPANY_CLAIM: ' tenants ',
    AUTH_USER_CLAIM: '  uid',
  };

  it('signs the trimmed values, and the gateway configured with the same variables accepts the token', async () => {
    const run = await mintTokenWith(PADDED, ['--company', 'CEKEKCARDS', '--user', 'EKQZVMQK']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const token = run.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({
      iss: 'https://idp.example.com',
      aud: 'coins-gateway',
      tenants: ['CEKEKCARDS'],
      uid: 'EKQZVMQK',
    });
    // The verifier as the gateway builds it from the same environment (service mode, sandbox).
    const { callerAuth } = loadConfig({ ...SANDBOX_SERVICE_CREDENTIALS, ...PADDED });
    if (callerAuth.jwt === undefined) throw new Error('the test config has no JWT verification');
    const verify = createJwtVerifier(callerAuth.jwt, callerAuth.claims);
    expect(await verify(token)).toMatchObject({ companies: new Set(['CEKEKCARDS']), userId: 'EKQZVMQK' });
  });

  it('blank issuer and audience are unset, blank claim names the defaults', async () => {
    const run = await mintTokenWith(
      {
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_ISSUER: '  ',
        AUTH_JWT_AUDIENCE: ' ',
        AUTH_COMPANY_CLAIM: ' ',
        AUTH_USER_CLAIM: '',
      },
      ['--company', 'CEKEKCARDS', '--user', 'EKQZVMQK'],
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const claims = decodeJwt(run.stdout.trim());
    expect(claims).not.toHaveProperty('iss');
    expect(claims).not.toHaveProperty('aud');
    expect(claims).toMatchObject({ companies: ['CEKEKCARDS'], sub: 'EKQZVMQK' });
  });
});
