import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSchemaAgainstRef, compareSchemas } from '../../src/scripts/schema-contract.js';

const V1 = `
"""Reads."""
type Query {
  """One balance."""
  coinBalance(userId: ID!): CoinBalance
}
"""A balance."""
type CoinBalance {
  """The user."""
  userId: ID!
  """Coins."""
  coins: Int!
}
`;
const WITHOUT_COINS = V1.replace('"""Coins."""\n  coins: Int!\n', '');
const WITH_LAST_CHANGE = V1.replace('coins: Int!\n', 'coins: Int!\n  """When."""\n  updatedAt: String\n');

const repos: string[] = [];
afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs git in `dir` as a test author. */
function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    stdio: 'pipe',
  });
}

/** A throw-away git repository whose one commit holds schema.graphql and package.json. */
function repoWith(files: { sdl: string; version: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  repos.push(dir);
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'schema.graphql'), files.sdl);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: files.version }));
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'schema');
  return dir;
}

/** schema:check of the schema and version the code has `now` against those committed at HEAD. */
function checkAgainstHead(committed: { sdl: string; version: string }, now: { sdl: string; version: string }) {
  return checkSchemaAgainstRef({
    repoDir: repoWith(committed),
    ref: 'HEAD',
    afterSdl: now.sdl,
    afterVersion: now.version,
  });
}

describe('npm run schema:check', () => {
  it.each(
    Object.entries({
      'fails (exit 1) on a removed field and names it as breaking': {
        committed: '0.1.0',
        now: '0.2.0',
        exitCode: 1,
        says: [
          "breaking (1):\n  - Field 'coins' was removed from object type 'CoinBalance'",
          'FAILED: breaking changes without a new major version',
        ],
      },
      'passes a breaking change when the major version went up in between': {
        committed: '1.4.0',
        now: '2.0.0',
        exitCode: 0,
        says: ['breaking (1)', "OK: breaking changes, announced by package.json's new major version."],
      },
    }),
  )('%s', async (_title, { committed, now, exitCode, says }) => {
    const result = await checkAgainstHead({ sdl: V1, version: committed }, { sdl: WITHOUT_COINS, version: now });
    expect(result.exitCode).toBe(exitCode);
    for (const text of says) expect(result.report).toContain(text);
  });

  it('passes (exit 0) on an added field and lists it as safe', async () => {
    const result = await checkAgainstHead({ sdl: V1, version: '0.1.0' }, { sdl: WITH_LAST_CHANGE, version: '0.1.0' });
    expect(result).toEqual({
      exitCode: 0,
      report: [
        'schema.graphql at HEAD → the schema the code builds now:',
        'safe (2):',
        "  - Field 'updatedAt' was added to object type 'CoinBalance'",
        "  - Field 'CoinBalance.updatedAt' has description 'When.'",
        'OK: no breaking change.',
      ].join('\n'),
    });
  });

  it('reports dangerous changes (a new enum value) without failing', async () => {
    const before = `${V1}\n"""E."""\nenum Kind {\n  """A."""\n  A\n}\n`;
    const after = before.replace('  A\n}', '  A\n  """B."""\n  B\n}');
    const changes = await compareSchemas(before, after);
    expect(changes).toEqual({
      breaking: [],
      dangerous: ["Enum value 'B' was added to enum 'Kind'"],
      safe: ["Description 'B.' was added to enum value 'Kind.B'"],
    });
  });

  it('says clearly when the ref is not in the checkout (exit 2), e.g. HEAD~1 of a shallow clone', async () => {
    const origin = repoWith({ sdl: V1, version: '0.1.0' });
    const shallow = mkdtempSync(join(tmpdir(), 'schema-check-shallow-'));
    repos.push(shallow);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin}`, shallow], { stdio: 'pipe' });
    const result = await checkSchemaAgainstRef({
      repoDir: shallow,
      ref: 'HEAD~1',
      afterSdl: V1,
      afterVersion: '0.1.0',
    });
    expect(result).toEqual({
      exitCode: 2,
      report:
        'schema:check cannot compare: git ref "HEAD~1" is not in this checkout (a shallow clone: run `git fetch --unshallow`); ' +
        'pass a ref that exists, e.g. `npm run schema:check -- origin/main`.',
    });
  });

  it('has nothing to compare when schema.graphql did not exist at the ref', async () => {
    const repoDir = repoWith({ sdl: V1, version: '0.1.0' });
    git(repoDir, 'rm', '-q', 'schema.graphql');
    git(repoDir, 'commit', '-q', '-m', 'rm');
    const result = await checkSchemaAgainstRef({ repoDir, ref: 'HEAD', afterSdl: V1, afterVersion: '0.1.0' });
    expect(result).toEqual({ exitCode: 0, report: 'schema.graphql did not exist at HEAD: nothing to compare with.' });
  });
});
