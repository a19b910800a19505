import { Kind, parse, parseValue, print, visit, type OperationDefinitionNode } from 'graphql';

/**
 * The example operations, one per root field: GraphiQL opens with them, and `npm run codegen`
 * reads them from this file (codegen.ts) to generate the typed client's documents, so a consumer's
 * typed documents and what GraphiQL shows are the same operations. Each is a `/* GraphQL *\/`
 * template, the marker codegen finds them by; variables are required, as a typed client needs.
 */
export const EXAMPLE_OPERATIONS = {
  CreateCoinEvent: /* GraphQL */ `# Create Event: a new coin event configuration.
mutation CreateCoinEvent($input: CreateCoinEventInput!) {
  createCoinEvent(input: $input) {
    id
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}
`,
  CoinEvent: /* GraphQL */ `# Get Event: one configuration by id (null when unknown).
query CoinEvent($coinConfigId: ID!) {
  coinEvent(coinConfigId: $coinConfigId) {
    id
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}
`,
  CoinEvents: /* GraphQL */ `# Several configurations by id: one entry per id, in order; null for an unknown id.
query CoinEvents($coinConfigIds: [ID!]!) {
  coinEvents(coinConfigIds: $coinConfigIds) {
    id
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}
`,
  UpdateCoinEvent: /* GraphQL */ `# Update Event (PATCH): only the fields given in input are changed.
mutation UpdateCoinEvent($coinConfigId: ID!, $input: UpdateCoinEventInput!) {
  updateCoinEvent(coinConfigId: $coinConfigId, input: $input) {
    id
    coinConfigId
    configuration
    companyId
    event
    amount
  }
}
`,
  AllocateCoins: /* GraphQL */ `# Allocate Coins: requestId is the idempotency key; retry with the same one, never a new one.
mutation AllocateCoins($input: AllocateCoinsInput!) {
  allocateCoins(input: $input) {
    requestId
    companyId
    event
    userId
    message
    balance {
      id
      userId
      coins
    }
  }
}
`,
  CoinBalance: /* GraphQL */ `# Get Balance: one user's coins (null when EnKash has no balance for the user).
query CoinBalance($userId: ID!) {
  coinBalance(userId: $userId) {
    id
    userId
    coins
  }
}
`,
  CoinBalances: /* GraphQL */ `# Several users' balances: one entry per id, in order.
query CoinBalances($userIds: [ID!]!) {
  coinBalances(userIds: $userIds) {
    id
    userId
    coins
  }
}
`,
} as const;

type ExampleName = keyof typeof EXAMPLE_OPERATIONS;

/**
 * What GraphiQL shows, in the order that runs as written against `npm start`'s sandbox (it holds
 * the docs' configuration WCC817428): each operation with example values as its variables'
 * defaults, so the run button needs no variables, and a note where a first run surprises.
 */
const GRAPHIQL_EXAMPLES: ReadonlyArray<{ name: ExampleName; values: Record<string, string>; note?: string }> = [
  {
    name: 'CreateCoinEvent',
    values: { input: '{ configuration: DEFAULT, companyId: "CEKEKCARDS", event: "INVOICE_PAYMENT", amount: 10 }' },
    note: 'Creating the same companyId + event twice is refused (UPSTREAM_REJECTED): change the event.',
  },
  { name: 'CoinEvent', values: { coinConfigId: '"WCC817428"' } },
  { name: 'UpdateCoinEvent', values: { coinConfigId: '"WCC817428"', input: '{ amount: 10 }' } },
  {
    name: 'AllocateCoins',
    values: {
      input:
        '{ companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "EKQZVMQK", requestId: "COIN_REQ1234567" }',
    },
  },
  { name: 'CoinBalances', values: { userIds: '["EKQZVMQK"]' } },
];

const GRAPHIQL_HEADER = `# coins-gateway: GraphQL for EnKash Point Management (coins).
# Press the run button and pick an operation. In sandbox mode the Authorization header
# below is pre-filled, and the sandbox holds the docs' example configuration WCC817428
# (CEKEKCARDS / MEAL_CARD_PAYMENT, 6 coins), so every operation runs as written.
# Against the real API, put your own bearer token in the headers and your own ids here.
`;

/** The operation with `values` (GraphQL literals) as its variables' defaults, after its comment lines. */
function withDefaultValues(operation: string, values: Record<string, string>, note: string | undefined): string {
  const comments = operation.split('\n').filter((line) => line.startsWith('#'));
  const document = visit(parse(operation), {
    VariableDefinition(node) {
      const value = values[node.variable.name.value];
      if (value === undefined) throw new Error(`no GraphiQL example value for $${node.variable.name.value}`);
      return { ...node, defaultValue: parseValue(value) };
    },
  });
  const [definition] = document.definitions as OperationDefinitionNode[];
  if (document.definitions.length !== 1 || definition?.kind !== Kind.OPERATION_DEFINITION) {
    throw new Error('an example holds exactly one operation');
  }
  return [...comments, ...(note ? [`# ${note}`] : []), print(definition)].join('\n');
}

/** What GraphiQL opens with: one ready-to-run document; pick an operation with the run button's menu. */
export const GRAPHIQL_DEFAULT_DOCUMENT = `${GRAPHIQL_HEADER}
${GRAPHIQL_EXAMPLES.map(({ name, values, note }) => withDefaultValues(EXAMPLE_OPERATIONS[name], values, note)).join('\n\n')}
`;

/** The header GraphiQL pre-fills in sandbox mode (the sandbox accepts any non-empty bearer token). */
export const SANDBOX_AUTHORIZATION = 'Bearer sandbox-token';
