// The worst requests known, against the real entry point in a child process with npm start's
// 192 MB heap: the requests that killed it (a 1 MB operation name with an undefined $x used 150
// times; 8 concurrent GraphiQL page loads) are sent concurrently, and it keeps serving.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hugeNameDocument } from '../helpers/hostile-documents.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { AUTH } from '../helpers/test-gateway.js';

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await startGatewayProcess();
}, 60_000);
afterAll(async () => {
  await gateway?.kill();
});

async function stillServing(): Promise<void> {
  expect(gateway.exit()).toBeUndefined();
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTH },
    body: JSON.stringify({ query: '{ coinBalance(userId: "EKQZVMQK") { userId } }' }),
  });
  expect(await response.json()).toEqual({ data: { coinBalance: { userId: 'EKQZVMQK' } } });
}

describe('a 192 MB heap under the worst known requests', { timeout: 60_000 }, () => {
  it('8 concurrent requests with a 1 MB operation name and 150 uses of an undefined $x: each a short 400 GRAPHQL_PARSE_FAILED', async () => {
    const query = hugeNameDocument();
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query }),
        });
        return { status: response.status, body: (await response.json()) as unknown };
      }),
    );
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 400,
        body: {
          errors: [
            {
              message: 'The GraphQL document is longer than 65536 bytes.',
              extensions: { code: 'GRAPHQL_PARSE_FAILED' },
            },
          ],
        },
      });
    }
    await stillServing();
  });

  it('12 concurrent GraphiQL page loads (identity, gzip, br) all get the same page, and the process lives', async () => {
    const encodings = ['identity', 'gzip', 'br', 'gzip, deflate, br'];
    const loads = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const acceptEncoding = encodings[i % encodings.length]!;
        const response = await fetch(`${gateway.url}/graphql`, {
          headers: { accept: 'text/html', 'accept-encoding': acceptEncoding },
        });
        const html = await response.text(); // fetch decompresses
        return {
          acceptEncoding,
          status: response.status,
          contentEncoding: response.headers.get('content-encoding'),
          etag: response.headers.get('etag'),
          sha: createHash('sha256').update(html).digest('hex'),
          length: html.length,
        };
      }),
    );
    const expectedEncoding: Record<string, string | null> = {
      identity: null,
      gzip: 'gzip',
      br: 'br',
      'gzip, deflate, br': 'br',
    };
    for (const load of loads) {
      expect(load.status).toBe(200);
      expect(load.contentEncoding).toBe(expectedEncoding[load.acceptEncoding]);
    }
    expect(new Set(loads.map((load) => load.sha)).size).toBe(1);
    expect(new Set(loads.map((load) => load.etag)).size).toBe(1);
    expect(loads[0]!.length).toBeGreaterThan(5_000_000);
    await stillServing();

    // A browser that has the page revalidates it for free.
    const revalidated = await fetch(`${gateway.url}/graphql`, {
      headers: { accept: 'text/html', 'if-none-match': loads[0]!.etag! },
    });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
  });
});
