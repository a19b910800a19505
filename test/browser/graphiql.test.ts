import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlDefaultDocument, SANDBOX_AUTHORIZATION } from '../../src/graphiql/example-operations.js';
import { schema } from '../../src/schema/index.js';
import { startTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';
import { CREATE_PATH } from '../helpers/upstream-paths.js';
import { GRAPHIQL_OPERATION_NAMES } from '../helpers/graphiql-examples.js';

/**
 * GraphiQL as a developer sees it, in a real (headless) Chromium: Debian's /usr/bin/chromium, or
 * CHROMIUM_PATH. Without a browser these tests FAIL; set SKIP_BROWSER_TESTS=1 to skip them.
 */
const skip = process.env.SKIP_BROWSER_TESTS === '1';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = '/tmp/graphiql.png';

/** The text of one of GraphiQL's Monaco editors, by its model's name ("operation.graphql", ...). */
function editorText(page: Page, model: string): Promise<string | null> {
  return page.evaluate((suffix) => {
    // GraphiQL 5 exposes its Monaco instance; the DOM only holds the lines on screen.
    const monaco = (
      globalThis as unknown as {
        __MONACO?: { editor: { getModels(): Array<{ uri: { toString(): string }; getValue(): string }> } };
      }
    ).__MONACO;
    const found = monaco?.editor.getModels().find((candidate) => candidate.uri.toString().endsWith(`-${suffix}`));
    return found ? found.getValue() : null;
  }, model);
}

describe.skipIf(skip)('GraphiQL in a browser (GET /graphql)', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageRequests: string[] = [];

  // A missing browser fails every test (counted as failures, not hidden as skips) with this message.
  const noBrowser = existsSync(executablePath)
    ? undefined
    : `No Chromium at ${executablePath}: install it (Debian: apt-get install -y chromium), point CHROMIUM_PATH at one, ` +
      'or set SKIP_BROWSER_TESTS=1 to skip the browser tests.';
  const requireBrowser = () => {
    if (noBrowser) throw new Error(noBrowser);
  };

  beforeAll(async () => {
    if (noBrowser) return;
    [gateway, browser] = await Promise.all([
      startTestGateway(),
      chromium.launch({
        executablePath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
    // A fresh context: no GraphiQL tabs, query or headers persisted from an earlier visit.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => pageRequests.push(request.url()));
    const response = await page.goto(`${gateway.url}/graphql`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: 20_000 });
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('renders with the example document and the sandbox Authorization header, loading nothing from elsewhere', async () => {
    requireBrowser();
    await expect.poll(() => editorText(page, 'operation.graphql'), { timeout: 10_000 }).toBe(graphiqlDefaultDocument());
    await expect.poll(() => editorText(page, 'request-headers.json'), { timeout: 10_000 }).not.toBeNull();
    expect(JSON.parse((await editorText(page, 'request-headers.json')) ?? '')).toEqual({
      Authorization: SANDBOX_AUTHORIZATION,
    });
    // The headers tab is open, so the prefilled token is in sight.
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, and the rendered text is what a user sees
    await expect.poll(() => page.locator('.graphiql-editor-tools button.active').innerText()).toBe('Headers');
    await expect.poll(() => page.title()).toBe('coins-gateway');

    // Assets are bundled by @graphql-yoga/render-graphiql: no CDN, everything from the gateway itself.
    const foreign = pageRequests.filter((url) => !url.startsWith(gateway.url) && !/^(blob|data):/.test(url));
    expect(foreign).toEqual([]);
    // The schema was introspected without calling the upstream.
    expect(upstreamCalls(gateway.sandbox)).toEqual([]);
  });

  it('runs CreateCoinEvent picked from the run button menu, with the prefilled header, and shows the result', async () => {
    requireBrowser();
    await page.locator('.graphiql-execute-button').click();
    const menu = page.getByRole('menuitem');
    await expect.poll(() => menu.allInnerTexts()).toEqual([...GRAPHIQL_OPERATION_NAMES]);
    await page.getByRole('menuitem', { name: 'CreateCoinEvent', exact: true }).click();

    await page.locator('.graphiql-response', { hasText: 'coinConfigId' }).waitFor({ timeout: 10_000 });
    const [created] = gateway.sandbox.state.listConfigs();
    expect(created?.coinConfigId).toMatch(/^WCC\d{6}$/);
    await expect.poll(() => editorText(page, 'response.json')).not.toBe('');
    expect(JSON.parse((await editorText(page, 'response.json')) ?? '')).toEqual({
      data: {
        createCoinEvent: {
          id: created?.coinConfigId,
          coinConfigId: created?.coinConfigId,
          configuration: 'DEFAULT',
          companyId: 'CEKEKCARDS',
          event: 'INVOICE_PAYMENT',
          amount: 10,
        },
      },
    });
    expect(gateway.sandbox.requests).toHaveLength(1);
    expect(gateway.sandbox.requests[0]).toMatchObject({
      method: 'POST',
      path: CREATE_PATH,
      body: '{"configuration":"DEFAULT","companyId":"CEKEKCARDS","event":"INVOICE_PAYMENT","amount":10}',
    });
    expect(gateway.sandbox.requests[0]?.headers.authorization).toBe(SANDBOX_AUTHORIZATION);
  });

  it('shows the schema descriptions in the Docs explorer', async () => {
    requireBrowser();
    const queryDescription = schema.getQueryType()?.description;
    const coinEventDescription = schema.getQueryType()?.getFields().coinEvent?.description;
    expect(queryDescription).toBeTruthy();
    expect(coinEventDescription).toBeTruthy();

    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-plugin');
    await docs.getByText('Root Types').waitFor({ timeout: 10_000 });
    await docs.getByRole('link', { name: 'Query', exact: true }).first().click();
    await docs.getByText(queryDescription ?? '', { exact: true }).waitFor({ timeout: 10_000 });
    await docs.getByText(coinEventDescription ?? '', { exact: true }).waitFor({ timeout: 10_000 });

    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
