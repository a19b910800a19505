import { describe, expect, it } from 'vitest';
import { createOperationNameLabels, operationNamesOf } from '../../src/observability/operation-name-label.js';

describe('operation name labels', () => {
  it('an anonymous operation is `anonymous`', () => {
    const labels = createOperationNameLabels();
    expect(labels.labelFor(undefined)).toBe('anonymous');
    expect(labels.labelFor('')).toBe('anonymous');
  });

  it('keeps plain GraphQL names of at most 64 characters; anything else is `other`', () => {
    const labels = createOperationNameLabels();
    expect(labels.labelFor('CreateCoinEvent')).toBe('CreateCoinEvent');
    expect(labels.labelFor(`_${'a'.repeat(63)}`)).toBe(`_${'a'.repeat(63)}`);
    expect(labels.labelFor(`_${'a'.repeat(64)}`)).toBe('other');
    expect(labels.labelFor('1abc')).toBe('other');
    expect(labels.labelFor('a-b')).toBe('other');
    expect(labels.labelFor('a"}')).toBe('other');
  });

  it('past the cap, new names are `other` and known names stay themselves', () => {
    const labels = createOperationNameLabels({ maxDistinct: 2 });
    expect(labels.labelFor('A')).toBe('A');
    expect(labels.labelFor('B')).toBe('B');
    expect(labels.labelFor('C')).toBe('other');
    expect(labels.labelFor('A')).toBe('A');
    // A rejected name does not take a place.
    expect(createOperationNameLabels({ maxDistinct: 1 }).labelFor('bad name')).toBe('other');
  });

  it('with trusted documents, only their operation names are labels; the cap does not apply', () => {
    const allowed = operationNamesOf([
      'query CoinEvent($id: ID!) { coinEvent(coinConfigId: $id) { amount } }',
      'mutation CreateCoinEvent { __typename } query Other2 { __typename }',
      '{ __typename }',
      'not a document {',
    ]);
    expect([...allowed].sort()).toEqual(['CoinEvent', 'CreateCoinEvent', 'Other2']);
    const labels = createOperationNameLabels({ maxDistinct: 1, allowed });
    expect(labels.labelFor('CoinEvent')).toBe('CoinEvent');
    expect(labels.labelFor('CreateCoinEvent')).toBe('CreateCoinEvent');
    expect(labels.labelFor('Other2')).toBe('Other2');
    // A caller's own name (allow mode runs full documents too) never becomes a label.
    expect(labels.labelFor('Attacker1')).toBe('other');
    expect(labels.labelFor('coinEvent')).toBe('other');
    expect(labels.labelFor(undefined)).toBe('anonymous');
  });
});
