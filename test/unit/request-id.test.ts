import { describe, expect, it } from 'vitest';
import { requestIdFrom } from '../../src/observability/request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it.each(['a', 'A'.repeat(128), 'Az09._-', 'abc-123.def_456'])('keeps %j', (value) => {
    expect(requestIdFrom(value)).toBe(value);
  });

  it.each([null, undefined, '', 'A'.repeat(129), 'a b', 'a,b', 'a\nb', 'ü', 'a/b', 'a:b'])(
    'replaces %j with a UUID',
    (value) => {
      expect(requestIdFrom(value)).toMatch(UUID);
    },
  );
});
