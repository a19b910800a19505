import { existsSync, readFileSync } from 'node:fs';
import { Kind, parse, parseValue, print, visit, type OperationDefinitionNode } from 'graphql';

/**
 * The example operations, one per root field, live in test/operations/ (one .graphql file each):
 * `npm run codegen` generates the typed client's documents and the trusted-documents manifest
 * from them (codegen.ts), and GraphiQL opens with the same operations, so what a consumer's typed
 * client sends and what GraphiQL shows are one set. They are read from the checkout when the
 * GraphiQL page is first built (a few small files; not at start-up, and never when GraphiQL is
 * off); a deployment without test/ opens GraphiQL without them.
 */
const EXAMPLE_FILES = {
  CreateCoinEvent: 'create-coin-event.graphql',
  CoinEvent: 'coin-event.graphql',
  CoinEvents: 'coin-events.graphql',
  UpdateCoinEvent: 'update-coin-event.graphql',
  AllocateCoins: 'allocate-coins.graphql',
  CoinBalance: 'coin-balance.graphql',
  CoinBalances: 'coin-balances.graphql',
} as const;

/** test/operations/ of the checkout: two levels up from src/graphiql/ (tsx) and dist/graphiql/ (npm start). */
const EXAMPLES_DIRECTORY = new URL('../../test/operations/', import.meta.url);

type ExampleName = keyof typeof EXAMPLE_FILES;

/** Each example operation's text by operation name; undefined when test/operations/ is not there. */
export function readExampleOperations(): Readonly<Record<ExampleName, string>> | undefined {
  if (!existsSync(EXAMPLES_DIRECTORY)) return undefined;
  const entries = Object.entries(EXAMPLE_FILES).map(([name, file]) => [
    name,
    readFileSync(new URL(file, EXAMPLES_DIRECTORY), 'utf8'),
  ]);
  return Object.fromEntries(entries) as Record<ExampleName, string>;
}

/**
 * What GraphiQL shows: every example operation (one per root field), in the order that runs as
 * written against `npm start`'s sandbox (it holds the docs' configuration WCC817428), each with
 * example values as its variables' defaults, so the run button needs no variables, and a note
 * where a first run surprises.
 */
const GRAPHIQL_EXAMPLES: ReadonlyArray<{ name: ExampleName; values: Record<string, string>; note?: string }> = [
  {
    name: 'CreateCoinEvent',
    values: { input: '{ configuration: DEFAULT, companyId: "CEKEKCARDS", event: "INVOICE_PAYMENT", amount: 10 }' },
    note: 'Creating the same companyId + event twice is refused (UPSTREAM_REJECTED): change the event.',
  },
  { name: 'CoinEvent', values: { coinConfigId: '"WCC817428"' } },
  { name: 'CoinEvents', values: { coinConfigIds: '["WCC817428"]' } },
  { name: 'UpdateCoinEvent', values: { coinConfigId: '"WCC817428"', input: '{ amount: 10 }' } },
  {
    name: 'AllocateCoins',
    values: {
      input:
        '{ companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", userId: "EKQZVMQK", requestId: "COIN_REQ1234567" }',
    },
  },
  { name: 'CoinBalance', values: { userId: '"EKQZVMQK"' } },
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
export function graphiqlDefaultDocument(): string {
  const operations = readExampleOperations();
  if (!operations) {
    return `${GRAPHIQL_HEADER}
# The example operations (test/operations/ in the repository) are not part of this deployment.
`;
  }
  return `${GRAPHIQL_HEADER}
${GRAPHIQL_EXAMPLES.map(({ name, values, note }) => withDefaultValues(operations[name], values, note)).join('\n\n')}
`;
}

/** The header GraphiQL pre-fills in sandbox mode (the sandbox accepts any non-empty bearer token). */
export const SANDBOX_AUTHORIZATION = 'Bearer sandbox-token';
