/**
 * What GraphiQL opens with: one ready-to-run document holding an operation per use case.
 * Pick one with the run button's menu. The same operations live in test/operations/ for codegen,
 * and a test checks that both validate against the schema.
 */
export const GRAPHIQL_DEFAULT_DOCUMENT = `# coins-gateway: GraphQL for EnKash Point Management (coins).
# Press the run button and pick an operation. In sandbox mode the Authorization header
# below is pre-filled, and the sandbox holds the docs' example configuration WCC817428
# (CEKEKCARDS / MEAL_CARD_PAYMENT, 6 coins), so every operation runs as written.
# Against the real API, put your own bearer token in the headers and your own ids here.

mutation CreateCoinEvent {
  # Creating the same companyId + event twice is refused (UPSTREAM_REJECTED): change the event.
  createCoinEvent(input: { configuration: DEFAULT, companyId: "CEKEKCARDS", event: "INVOICE_PAYMENT", amount: 10 }) {
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}

query CoinEvent($coinConfigId: ID! = "WCC817428") {
  coinEvent(coinConfigId: $coinConfigId) {
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}

mutation UpdateCoinEvent($coinConfigId: ID! = "WCC817428") {
  updateCoinEvent(coinConfigId: $coinConfigId, input: { amount: 10 }) {
    coinConfigId
    companyId
    event
    amount
  }
}

# requestId is your idempotency key: resending the same one never credits twice.
mutation AllocateCoins {
  allocateCoins(input: { companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "EKQZVMQK", requestId: "COIN_REQ1234567" }) {
    requestId
    message
    balance {
      userId
      coins
    }
  }
}

query CoinBalances {
  coinBalances(userIds: ["EKQZVMQK"]) {
    userId
    coins
  }
}
`;

/** The header GraphiQL pre-fills in sandbox mode (the sandbox accepts any non-empty bearer token). */
export const SANDBOX_AUTHORIZATION = 'Bearer sandbox-token';
