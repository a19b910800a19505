import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { AUTH, useTestGateway } from '../helpers/test-gateway.js';

/**
 * graphql-http's audit suite (the GraphQL-over-HTTP spec's MUST / SHOULD / MAY checks) against
 * the running gateway: every audit passes (no error, no warning). Notices (MAYs we chose not to
 * do) are listed in the report below so that a change shows up in review.
 */
describe('GraphQL-over-HTTP audit (graphql-http serverAudits)', () => {
  const gateway = useTestGateway();

  it('passes every MUST and SHOULD without a warning', async () => {
    const audits = serverAudits({
      url: () => `${gateway.url}/graphql`,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', AUTH);
        return fetch(input, { ...init, headers });
      },
    });
    const results = [];
    for (const audit of audits) results.push({ name: audit.name, result: await audit.fn() });
    const report = results.map(
      ({ name, result }) => `${result.status}: ${name}${result.status === 'ok' ? '' : ` (${result.reason})`}`,
    );
    expect(results.length).toBeGreaterThan(30);
    expect(report.filter((line) => !line.startsWith('ok: ') && !line.startsWith('notice: '))).toEqual([]);
    // MAYs not taken: yoga does not check operationName's type, so a non-string one names no
    // operation: OPERATION_RESOLUTION_FAILURE, 200 for a client that accepts only application/json
    // (400 with application/graphql-response+json).
    expect(report.filter((line) => line.startsWith('notice: '))).toEqual(
      ['object', 'number', 'boolean', 'array'].map(
        (type) =>
          `notice: MAY use 400 status code on ${type} {operationName} parameter (Response status code is not 400)`,
      ),
    );
  });
});
