import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README promises that src/sandbox is an independent fake of the coins API: it imports nothing
// from the rest of src/, so a change to the gateway can never make the sandbox agree with it by accident.
const SANDBOX_DIR = new URL('../../src/sandbox/', import.meta.url);

describe('src/sandbox', () => {
  it('imports nothing from the rest of src/', () => {
    const files = readdirSync(SANDBOX_DIR).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const outside = files.flatMap((name) =>
      [
        ...readFileSync(new URL(name, SANDBOX_DIR), 'utf8').matchAll(
          /\bfrom\s+'(\.\.\/[^']*)'|import\('(\.\.\/[^']*)'\)/g,
        ),
      ].map((match) => `${name}: ${match[1] ?? match[2]}`),
    );
    expect(outside).toEqual([]);
  });
});
