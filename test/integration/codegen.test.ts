import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, startTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const generatedDir = fileURLToPath(new URL('../client/gql/', import.meta.url));
const manifestPath = `${generatedDir}persisted-documents.json`;

/** Runs a command in the repository root; on a non-zero exit, fails with its output. */
async function runInRoot(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd: root, timeout: 45_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    throw new Error(
      `\`${command} ${args.join(' ')}\` exited with ${String(failure.code)}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`,
    );
  }
}

// The client module only exists after codegen, so it is imported at run time (and type-checked
// by its own tsconfig, not by test/tsconfig.json, which would fail on a fresh clone).
interface GatewayErrorLike {
  codes: string[];
  data: unknown;
  errors: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}
interface ClientModule {
  runExample(
    options: { endpoint: string; authorization: string },
    ids: { companyId: string; event: string; userId: string; requestId: string; unknownConfigId: string },
  ): Promise<unknown>;
  createCoinsClient(options: { endpoint: string; authorization: string }): {
    createCoinEvent(input: Record<string, unknown>): Promise<unknown>;
    updateCoinEvent(coinConfigId: string, input: Record<string, unknown>): Promise<unknown>;
  };
  GatewayRequestError: new (...args: never[]) => GatewayErrorLike;
}

describe('codegen for consumers: typed documents from schema.graphql and the example operations', () => {
  let gateway: TestGateway;
  let client: ClientModule;

  beforeAll(async () => {
    // test/client/gql is gitignored, so on a fresh clone (and in CI) this generates it from scratch.
    // It is not deleted first: codegen leaves identical files untouched, so test runs started at
    // the same time in one checkout do not pull the files from under each other's tsc.
    await runInRoot('npm', ['run', 'codegen']);
    // Only the documents codegen listed may run: the typed client sends hashes, never documents.
    gateway = await startTestGateway({ TRUSTED_DOCUMENTS_FILE: manifestPath, TRUSTED_DOCUMENTS: 'required' });
  }, 60_000);
  afterAll(() => gateway?.close());

  it('`npm run codegen` generates the client preset output, and the typed client type-checks against it', async () => {
    for (const file of ['index.ts', 'gql.ts', 'graphql.ts', 'persisted-documents.json']) {
      expect(existsSync(`${generatedDir}${file}`), file).toBe(true);
    }
    await runInRoot('npx', ['tsc', '-p', 'test/client/tsconfig.json', '--noEmit']);

    const generated = (await import(
      /* @vite-ignore */ new URL('../client/gql/graphql.ts', import.meta.url).href
    )) as Record<string, unknown>;
    expect(
      Object.keys(generated)
        .filter((name) => name.endsWith('Document'))
        .sort(),
    ).toEqual([
      'AllocateCoinsDocument',
      'CoinBalanceDocument',
      'CoinBalancesDocument',
      'CoinEventDocument',
      'CoinEventsDocument',
      'CreateCoinEventDocument',
      'UpdateCoinEventDocument',
    ]);
    // The manifest holds exactly the generated documents, each under the sha256 of its text.
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
    const documents = Object.entries(generated).filter(([name]) => name.endsWith('Document'));
    expect(Object.keys(manifest).sort()).toEqual(
      documents.map(([, document]) => (document as { __meta__: { hash: string } }).__meta__.hash).sort(),
    );
    for (const [hash, text] of Object.entries(manifest)) {
      expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
    }
    client = (await import(
      /* @vite-ignore */ new URL('../client/coins-client-example.ts', import.meta.url).href
    )) as ClientModule;
  }, 60_000);

  it('the typed client runs every operation against the real gateway and gets typed data back', async () => {
    expect(client, 'the previous test must have loaded the generated client').toBeDefined();
    const options = { endpoint: `${gateway.url}/graphql`, authorization: AUTH };
    gateway.sandbox.requests.length = 0;

    const result = (await client.runExample(options, {
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      userId: 'EKQZVMQK',
      requestId: 'COIN_REQ1234567',
      unknownConfigId: 'WCC000001',
    })) as { created: { coinConfigId: string } };
    const id = result.created.coinConfigId;
    expect(id).toMatch(/^WCC\d{6}$/);
    const created = {
      id,
      coinConfigId: id,
      configuration: 'DEFAULT',
      companyId: 'CEKEKCARDS',
      event: 'MEAL_CARD_PAYMENT',
      amount: 6,
    };
    const updated = { ...created, amount: 10 };
    expect(result).toEqual({
      created,
      readBack: created,
      list: [created, null],
      updated,
      allocation: {
        requestId: 'COIN_REQ1234567',
        companyId: 'CEKEKCARDS',
        event: 'MEAL_CARD_PAYMENT',
        userId: 'EKQZVMQK',
        message: 'Successfully allocated enkash Coins',
        balance: { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 10 },
      },
      balance: { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 10 },
      balances: [
        { id: 'EKQZVMQK', userId: 'EKQZVMQK', coins: 10 },
        { id: 'NOBODY', userId: 'NOBODY', coins: 0 },
      ],
    });

    expect(upstreamCalls(gateway.sandbox)).toEqual([
      'POST /api/v0/enkash-coins/create-coins-config',
      `GET /api/v0/enkash-coins/${id}`,
      `GET /api/v0/enkash-coins/${id}`,
      'GET /api/v0/enkash-coins/WCC000001',
      `PATCH /api/v0/enkash-coins/${id}`,
      // The PATCH payload lacks companyId, which the operation selects: one Get Event after the change.
      `GET /api/v0/enkash-coins/${id}`,
      'POST /api/v0/enkash-coins/allocate-coin',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=EKQZVMQK',
      'GET /api/v0/coins/balance?userId=NOBODY',
    ]);
    expect(gateway.sandbox.requests.every((request) => request.headers.authorization === AUTH)).toBe(true);
    expect(gateway.sandbox.requests[6]?.body).toBe(
      '{"companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","requestId":"COIN_REQ1234567","userId":"EKQZVMQK"}',
    );
  });

  it('the typed client surfaces the gateway error codes and sends nothing upstream for invalid input', async () => {
    expect(client, 'the first test must have loaded the generated client').toBeDefined();
    const typed = client.createCoinsClient({ endpoint: `${gateway.url}/graphql`, authorization: AUTH });
    gateway.sandbox.requests.length = 0;

    const failure = await typed
      .createCoinEvent({ configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL-CARD', amount: 0 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(client.GatewayRequestError);
    const error = failure as GatewayErrorLike;
    expect(error.codes).toEqual(['BAD_USER_INPUT']);
    expect(error.errors[0]).toMatchObject({
      path: ['createCoinEvent'],
      extensions: {
        code: 'BAD_USER_INPUT',
        issues: [
          { path: ['input', 'event'], message: 'must be 1-64 characters of A-Z, a-z, 0-9 or _' },
          { path: ['input', 'amount'], message: 'must be at least 1' },
        ],
      },
    });
    expect(error.data).toBeNull();

    const notFound = await typed.updateCoinEvent('WCC000002', { amount: 5 }).catch((e: unknown) => e);
    expect((notFound as GatewayErrorLike).codes).toEqual(['NOT_FOUND']);
    expect(upstreamCalls(gateway.sandbox)).toEqual(['PATCH /api/v0/enkash-coins/WCC000002']);
  });
});
