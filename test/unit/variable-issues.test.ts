import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_VARIABLE_ISSUES } from '../../src/limits.js';
import { variableIssues } from '../../src/plugins/variable-issues.js';
import { schema } from '../../src/schema/index.js';

const LIST = parse('query Q($ids: [ID!]!) { coinEvents(coinConfigIds: $ids) { amount } }');

describe('variableIssues', () => {
  it('is empty for valid variables and for operations without variables', () => {
    expect(variableIssues(schema, LIST, 'Q', { ids: ['WCC1', 2] })).toEqual([]);
    expect(variableIssues(schema, parse('{ __typename }'), undefined, undefined)).toEqual([]);
  });

  it(`lists at most ${MAX_VARIABLE_ISSUES} problems and says that more were left out`, () => {
    const issues = variableIssues(schema, LIST, 'Q', { ids: Array.from({ length: 500 }, () => false) });
    expect(issues).toHaveLength(MAX_VARIABLE_ISSUES + 1);
    expect(issues[0]).toEqual({ path: ['ids', 0], message: 'ID cannot represent value: false' });
    expect(issues.at(-1)).toEqual({
      path: [],
      message: `more than ${MAX_VARIABLE_ISSUES} problems; the rest are not listed`,
    });
  });

  it('judges the operation the request names', () => {
    const document = parse('query A($n: Int!) { __typename } query B { __typename }');
    expect(variableIssues(schema, document, 'B', {})).toEqual([]);
    expect(variableIssues(schema, document, 'A', {})).toEqual([
      { path: ['n'], message: 'required: a value of type Int! was not provided' },
    ]);
  });
});
