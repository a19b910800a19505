/**
 * The operations GraphiQL opens with, in the order they run as written against npm start's
 * sandbox: every example operation of test/operations/, one per root field. Stated here once for
 * the tests that check the page, the served document and a real browser.
 */
export const GRAPHIQL_OPERATION_NAMES = [
  'CreateCoinEvent',
  'CoinEvent',
  'CoinEvents',
  'UpdateCoinEvent',
  'AllocateCoins',
  'CoinBalance',
  'CoinBalances',
] as const;
