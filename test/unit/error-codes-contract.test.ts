import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/error-codes.js';

/**
 * The codes listed in the README's error tables: every Markdown table whose first header cell is
 * "code" contributes the backticked value of each row's first cell.
 */
function documentedCodes(markdown: string): string[] {
  const codes: string[] = [];
  let inCodeTable = false;
  for (const line of markdown.split('\n')) {
    const cells = line.trim().startsWith('|')
      ? line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim())
      : undefined;
    if (!cells) {
      inCodeTable = false;
      continue;
    }
    if (!inCodeTable) {
      inCodeTable = cells[0] === 'code';
      continue;
    }
    const code = /^`([A-Z_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (code) codes.push(code);
  }
  return codes;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the closed list of extensions.code values', () => {
  it("is exactly the set of codes in the README's error tables (add or remove a code in both)", () => {
    const inCode = Object.values(ErrorCode).sort();
    const inReadme = [...new Set(documentedCodes(readme))].sort();
    expect(inReadme).toEqual(inCode);
  });

  it('each ErrorCode key is its own value (clients see the value; code reads the key)', () => {
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });

  it('the README parser finds codes only in tables headed "code"', () => {
    const sample = [
      '| code | when |',
      '|---|---|',
      '| `FIRST` | a |',
      '| `SECOND` | b |',
      '',
      '| variable | default |',
      '|---|---|',
      '| `NOT_A_CODE` | 1 |',
      'text `ALSO_NOT` here',
      '| code | when | HTTP status |',
      '|---|---|---|',
      '| `THIRD` | c | 400 |',
    ].join('\n');
    expect(documentedCodes(sample)).toEqual(['FIRST', 'SECOND', 'THIRD']);
  });
});
