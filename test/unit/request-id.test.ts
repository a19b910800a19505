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

describe('fixedShapeLogger (the access log)', () => {
  it('still redacts secret names at the top level', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger, fixedShapeLogger } = await import('../../src/logging/logger.js');
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString('utf8');
        done();
      },
    });
    fixedShapeLogger(createLogger('info', sink)).info({ authorization: 'Bearer s3cr3t', password: 'hunter2' }, 'x');
    expect(written).not.toContain('s3cr3t');
    expect(written).not.toContain('hunter2');
    expect(JSON.parse(written)).toMatchObject({ authorization: '[redacted]', password: '[redacted]' });
  });
});
