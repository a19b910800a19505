import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

/**
 * The `@default` of a Config field is documentation a reader trusts: it must be what loadConfig
 * gives with the variable unset. Checked for every field whose @default is a plain value (a
 * number or a quoted string); the conditional ones (GraphiQL, CORS, trusted documents) have
 * their own tests in config.test.ts.
 */
const source = readFileSync(join(import.meta.dirname, '../../src/config.ts'), 'utf8');
const documented = [...source.matchAll(/@default (\d+(?:\.\d+)?|'[^']*') \*\/\n\s+(\w+):/g)].map((match) => {
  const [, value = '', field = ''] = match;
  return [field, value.startsWith("'") ? value.slice(1, -1) : Number(value)] as const;
});

describe('Config @default documentation', () => {
  it('documents a plain default on the Config fields that have one', () => {
    expect(documented.length).toBeGreaterThanOrEqual(20);
  });

  it.each(documented)('%s defaults to %s', (field, value) => {
    // A service-mode-free, sandbox-mode environment: nothing set.
    const config: Record<string, unknown> = loadConfig({});
    expect(config[field]).toBe(value);
  });
});
