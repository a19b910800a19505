import { describe, expect, it } from 'vitest';
import { withoutSuggestions } from '../../src/protocol/no-suggestions.js';

describe('withoutSuggestions', () => {
  it("removes each of graphql-js's didYouMean() forms, and only them", () => {
    expect(withoutSuggestions('Unknown type "Quer". Did you mean "Query"?')).toBe('Unknown type "Quer".');
    expect(withoutSuggestions('Unknown type "In". Did you mean "A" or "B"?')).toBe('Unknown type "In".');
    expect(withoutSuggestions('Unknown type "In". Did you mean "A", "B", "C", "D", or "E"?')).toBe(
      'Unknown type "In".',
    );
    expect(withoutSuggestions('Value "X" does not exist in "E" enum. Did you mean the enum value "A" or "B"?')).toBe(
      'Value "X" does not exist in "E" enum.',
    );
    expect(
      withoutSuggestions(
        'Cannot query field "f" on type "U". Did you mean to use an inline fragment on "A", "B", or "C"?',
      ),
    ).toBe('Cannot query field "f" on type "U".');
  });

  it('removes every hint of a message that joins several issues, keeping the text between them', () => {
    expect(
      withoutSuggestions(
        'Invalid input: i.a: Value "X" does not exist in "E" enum. Did you mean the enum value "A"?; i.b: Field "b" is not defined by type "T". Did you mean "c"?',
      ),
    ).toBe('Invalid input: i.a: Value "X" does not exist in "E" enum.; i.b: Field "b" is not defined by type "T".');
  });

  it('leaves a message without a hint as it is', () => {
    expect(withoutSuggestions('Unknown directive "@skp".')).toBe('Unknown directive "@skp".');
    expect(withoutSuggestions('String cannot represent a non string value: "Did you mean"')).toBe(
      'String cannot represent a non string value: "Did you mean"',
    );
  });
});
