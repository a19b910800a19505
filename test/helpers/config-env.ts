import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The problems loadConfig reports for an environment (fails the test when it accepts it). */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

/**
 * Partner service credentials (COINS_OAUTH_*) with values a test can look for in what config
 * reports: none of them may ever be echoed.
 */
export const PARTNER_CREDENTIALS = {
  COINS_OAUTH_CLIENT_ID: 'partner-client',
  COINS_OAUTH_CLIENT_SECRET: 'client-s3cret',
  COINS_OAUTH_USERNAME: 'partner-user',
  COINS_OAUTH_PASSWORD: 'user-passw0rd',
} as const;

/**
 * A temporary folder for secret and manifest files that config reads, removed after the file's
 * tests. `file(name, content)` writes one and returns its path.
 */
export function useConfigFiles(): { dir: string; file(name: string, content: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'coins-gateway-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}
