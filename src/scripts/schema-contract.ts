import { execFileSync } from 'node:child_process';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

/**
 * The schema contract check behind `npm run schema:check [git-ref]`: the schema the code builds
 * against `schema.graphql` as committed at a git ref. A breaking change fails unless
 * package.json's major version went up in between (deprecate first, remove in the next major).
 */

export interface SchemaChanges {
  breaking: string[];
  dangerous: string[];
  safe: string[];
}

export interface SchemaVerdict {
  changes: SchemaChanges;
  /** The major version went up since the ref, so breaking changes are announced, not accidental. */
  majorBumped: boolean;
  ok: boolean;
}

/** Every change from `before` to `after` (both SDL), grouped by graphql-inspector's criticality. */
export async function compareSchemas(before: string, after: string): Promise<SchemaChanges> {
  const changes: Change[] = await diff(buildSchema(before), buildSchema(after));
  const messages = (level: CriticalityLevel) =>
    changes.filter((change) => change.criticality.level === level).map((change) => change.message);
  return {
    breaking: messages(CriticalityLevel.Breaking),
    dangerous: messages(CriticalityLevel.Dangerous),
    safe: messages(CriticalityLevel.NonBreaking),
  };
}

/** The major version of a semver string ("1.4.2" → 1); a version that is not semver is an error. */
function majorVersion(version: unknown): number {
  const match = typeof version === 'string' ? /^(\d+)\.\d+\.\d+/.exec(version) : null;
  if (!match?.[1]) throw new Error(`package.json's version ${JSON.stringify(version)} is not a semver version`);
  return Number(match[1]);
}

async function judgeSchemaChange(input: {
  beforeSdl: string;
  afterSdl: string;
  beforeVersion: unknown;
  afterVersion: unknown;
}): Promise<SchemaVerdict> {
  const changes = await compareSchemas(input.beforeSdl, input.afterSdl);
  const majorBumped = majorVersion(input.afterVersion) > majorVersion(input.beforeVersion);
  return { changes, majorBumped, ok: changes.breaking.length === 0 || majorBumped };
}

/** A git ref that cannot be read: unknown, or outside a shallow clone's history. */
class MissingRefError extends Error {}

/** The text of `path` at `ref`, or undefined when the ref exists but the file did not. */
function readAtRef(repoDir: string, ref: string, path: string): string | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repoDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).trim();
  } catch {
    let shallow = false;
    try {
      shallow = git('rev-parse', '--is-shallow-repository').trim() === 'true';
    } catch {
      // Not a git checkout at all: the message below says what to do either way.
    }
    throw new MissingRefError(
      `git ref "${ref}" is not in this checkout${shallow ? ' (a shallow clone: run `git fetch --unshallow`)' : ''}; ` +
        'pass a ref that exists, e.g. `npm run schema:check -- origin/main`.',
    );
  }
  try {
    return git('show', `${commit}:${path}`);
  } catch {
    return undefined;
  }
}

export interface SchemaCheckResult {
  /** 0: contract kept; 1: an unannounced breaking change; 2: nothing could be compared. */
  exitCode: 0 | 1 | 2;
  report: string;
}

/**
 * Compares `afterSdl` (the schema the code builds) with schema.graphql at `ref` in `repoDir`;
 * the version at the ref comes from package.json there, `afterVersion` from the working tree.
 */
export async function checkSchemaAgainstRef(options: {
  repoDir: string;
  ref: string;
  afterSdl: string;
  afterVersion: unknown;
}): Promise<SchemaCheckResult> {
  const { repoDir, ref } = options;
  let beforeSdl: string | undefined;
  let beforePackage: string | undefined;
  try {
    beforeSdl = readAtRef(repoDir, ref, 'schema.graphql');
    beforePackage = readAtRef(repoDir, ref, 'package.json');
  } catch (error) {
    if (error instanceof MissingRefError)
      return { exitCode: 2, report: `schema:check cannot compare: ${error.message}` };
    throw error;
  }
  if (beforeSdl === undefined)
    return { exitCode: 0, report: `schema.graphql did not exist at ${ref}: nothing to compare with.` };
  const verdict = await judgeSchemaChange({
    beforeSdl,
    afterSdl: options.afterSdl,
    // A ref before package.json existed had no published version to break.
    beforeVersion: beforePackage === undefined ? '0.0.0' : (JSON.parse(beforePackage) as { version?: unknown }).version,
    afterVersion: options.afterVersion,
  });
  return { exitCode: verdict.ok ? 0 : 1, report: formatVerdict(ref, verdict) };
}

/** The report printed by the script: every change by group, then the verdict. */
function formatVerdict(ref: string, verdict: SchemaVerdict): string {
  const { breaking, dangerous, safe } = verdict.changes;
  const group = (title: string, items: string[]) =>
    items.length === 0 ? [] : [`${title} (${items.length}):`, ...items.map((item) => `  - ${item}`)];
  const lines = [
    `schema.graphql at ${ref} → the schema the code builds now:`,
    ...group('breaking', breaking),
    ...group('dangerous', dangerous),
    ...group('safe', safe),
  ];
  if (breaking.length + dangerous.length + safe.length === 0) lines.push('no changes.');
  if (breaking.length === 0) lines.push('OK: no breaking change.');
  else if (verdict.majorBumped) lines.push("OK: breaking changes, announced by package.json's new major version.");
  else
    lines.push(
      'FAILED: breaking changes without a new major version in package.json. Deprecate first ' +
        '(Pothos `deprecationReason`) and remove in the next major version.',
    );
  return lines.join('\n');
}
