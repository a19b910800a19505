import { describe, expect, it } from 'vitest';
import { createOperationNameLabels } from '../../src/observability/operation-name-label.js';

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
    const labels = createOperationNameLabels(2);
    expect(labels.labelFor('A')).toBe('A');
    expect(labels.labelFor('B')).toBe('B');
    expect(labels.labelFor('C')).toBe('other');
    expect(labels.labelFor('A')).toBe('A');
    // A rejected name does not take a place.
    expect(createOperationNameLabels(1).labelFor('bad name')).toBe('other');
  });
});
