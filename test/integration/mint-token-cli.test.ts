import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../src/auth/caller-jwt.js';
import { DEV_JWT_SECRET } from '../../src/auth/dev-token.js';

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
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/auth/mint-token-cli.ts', '--company', 'CEKEKCARDS', '--scope', 'coins:read'],
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

  it.each([
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
      'an AUTH_JWT_SECRET_FILE that cannot be read',
      () => ({ AUTH_JWT_SECRET_FILE: join(dir, 'missing') }),
      () => `AUTH_JWT_SECRET_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ],
  ])('%s: exit 2, the gateway config message (no token, no stack, no secret)', async (_label, env, message) => {
    const run = await mintToken(env());
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${message()}\n` });
  });
});
