import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  parse,
  print,
  printSchema,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphiqlDefaultDocument, readExampleOperations } from '../../src/graphiql/example-operations.js';
import { printSubgraphSdl } from '../../src/schema/federation.js';
import { printSortedSchema, printSubgraphSchemaExtension, publicSchema, schema } from '../../src/schema/index.js';
import { canonicalSdl, committedSubgraphSdl } from '../helpers/subgraph-sdl.js';
import { GRAPHIQL_OPERATION_NAMES } from '../helpers/graphiql-examples.js';

const root = new URL('../../', import.meta.url);

/** Every schema element a developer can see in GraphiQL's docs that has no (or a blank) description. */
function undescribed(target: GraphQLSchema): string[] {
  const missing: string[] = [];
  const check = (coordinate: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(target.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name}:)`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing.sort();
}

/** The schema's shape without descriptions, printed sorted, so only names and types are compared. */
function shapeOf(sdl: string): string {
  const stripped = visit(parse(sdl), {
    enter(node) {
      return 'description' in node && node.description ? { ...node, description: undefined } : undefined;
    },
  });
  return printSchema(lexicographicSortSchema(buildSchema(print(stripped))));
}

/** The example operations GraphiQL shows and codegen types, each under its key. */
function readOperations(): Array<{ file: string; document: DocumentNode }> {
  const operations = readExampleOperations();
  if (!operations) throw new Error('test/operations/ is missing');
  return Object.entries(operations).map(([file, text]) => ({ file, document: parse(text) }));
}

const operationsOf = (document: DocumentNode) =>
  document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition',
  );

/** "Query.coinEvent", ... for each root field an operation selects. */
function rootFieldsUsed(document: DocumentNode): string[] {
  return operationsOf(document).flatMap((operation) =>
    operation.selectionSet.selections.flatMap((selection) =>
      selection.kind === 'Field'
        ? [`${operation.operation === 'query' ? 'Query' : 'Mutation'}.${selection.name.value}`]
        : [],
    ),
  );
}

describe('schema.graphql', () => {
  it('is the schema the gateway serves (run `npm run schema:print` after changing src/schema)', () => {
    let committed: string;
    try {
      committed = readFileSync(new URL('schema.graphql', root), 'utf8');
    } catch {
      throw new Error('schema.graphql is missing at the repository root: run `npm run schema:print` and commit it.');
    }
    expect(committed, 'schema.graphql is stale: run `npm run schema:print` and commit the result').toBe(
      printSortedSchema(),
    );
  });

  it('describes every type, field, argument, input field and enum value', () => {
    expect(undescribed(publicSchema)).toEqual([]);
  });

  it('the description check reports what lacks a description', () => {
    const bare = buildSchema(`
      """Described."""
      type Query { a(x: Int, """ok""" y: Int): E  """  """ b: Int }
      enum E { ONE """ok""" TWO }
      input I { f: Int }
      type Unused { g(i: I): Int }
    `);
    expect(undescribed(bare)).toEqual([
      'E',
      'E.ONE',
      'I',
      'I.f',
      'Query.a',
      'Query.a(x:)',
      'Query.b',
      'Unused',
      'Unused.g',
      'Unused.g(i:)',
    ]);
  });

  it('holds exactly the public contract (names, types, nullability, arguments)', () => {
    const contract = `
      enum CoinConfiguration { DEFAULT CUSTOM }
      type CoinConfig { id: ID!  coinConfigId: ID!  configuration: CoinConfiguration!  companyId: String!  event: String!  amount: Int! }
      input CreateCoinEventInput { configuration: CoinConfiguration!  companyId: String!  event: String!  amount: Int! }
      input UpdateCoinEventInput { configuration: CoinConfiguration  companyId: String  event: String  amount: Int }
      input AllocateCoinsInput { companyId: String!  event: String!  userId: ID!  requestId: ID! }
      type CoinBalance { id: ID!  userId: ID!  coins: Int! }
      type CoinAllocation { requestId: ID!  companyId: String!  event: String!  userId: ID!  message: String!  balance: CoinBalance! }
      type Query {
        coinEvent(coinConfigId: ID!): CoinConfig
        coinEvents(coinConfigIds: [ID!]!): [CoinConfig]!
        coinBalance(userId: ID!): CoinBalance
        coinBalances(userIds: [ID!]!): [CoinBalance]!
      }
      type Mutation {
        createCoinEvent(input: CreateCoinEventInput!): CoinConfig!
        updateCoinEvent(coinConfigId: ID!, input: UpdateCoinEventInput!): CoinConfig!
        allocateCoins(input: AllocateCoinsInput!): CoinAllocation!
      }
    `;
    expect(shapeOf(printSortedSchema())).toBe(shapeOf(contract));
    // The committed file has the same shape (a reader of schema.graphql sees the contract too).
    expect(shapeOf(readFileSync(new URL('schema.graphql', root), 'utf8'))).toBe(shapeOf(contract));
  });
});

/** Federation's router-facing additions (Apollo Federation subgraph spec), served but not public API. */
const FEDERATION_TYPES = ['_Any', '_Entity', '_Service'];
const FEDERATION_QUERY_FIELDS = ['_entities', '_service'];

/** The served schema's SDL without federation's additions, sorted like schema.graphql. */
function withoutFederation(served: GraphQLSchema): string {
  const document = visit(parse(printSchema(served)), {
    ObjectTypeDefinition(node) {
      if (FEDERATION_TYPES.includes(node.name.value)) return null;
      if (node.name.value !== 'Query') return undefined;
      return { ...node, fields: node.fields?.filter((field) => !FEDERATION_QUERY_FIELDS.includes(field.name.value)) };
    },
    ScalarTypeDefinition: (node) => (FEDERATION_TYPES.includes(node.name.value) ? null : undefined),
    UnionTypeDefinition: (node) => (FEDERATION_TYPES.includes(node.name.value) ? null : undefined),
  });
  return `${printSchema(lexicographicSortSchema(buildSchema(print(document))))}\n`;
}

describe('the federation subgraph SDL (schema.graphql plus src/schema/subgraph-extension.graphql)', () => {
  it('the committed extension is what the subgraph adds (run `npm run schema:print` after changing src/schema)', () => {
    const committed = readFileSync(new URL('src/schema/subgraph-extension.graphql', root), 'utf8');
    expect(
      committed,
      'src/schema/subgraph-extension.graphql is stale: run `npm run schema:print` and commit the result',
    ).toBe(printSubgraphSchemaExtension());
  });

  it('schema.graphql plus the extension is the subgraph SDL that _service answers, in any order', () => {
    const served = canonicalSdl(printSubgraphSdl(schema));
    expect(canonicalSdl(committedSubgraphSdl())).toBe(served);
    // Without the extension it is not: the comparison sees the @link and each @key.
    expect(canonicalSdl(readFileSync(new URL('schema.graphql', root), 'utf8'))).not.toBe(served);
  });

  it('links Federation v2 and keys CoinConfig by coinConfigId and CoinBalance by userId, nothing else', () => {
    const document = parse(printSubgraphSdl(schema));
    const directivesOf = (kind: string, name?: string) =>
      document.definitions.flatMap((definition) =>
        definition.kind === kind &&
        (!name || ('name' in definition && definition.name?.value === name)) &&
        'directives' in definition
          ? (definition.directives ?? []).map((directive) => print(directive))
          : [],
      );
    expect(directivesOf('SchemaExtension')).toEqual([
      '@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])',
    ]);
    const keyed = document.definitions.flatMap((definition) =>
      definition.kind === 'ObjectTypeDefinition' && definition.directives?.length
        ? [`${definition.name.value} ${definition.directives.map((directive) => print(directive)).join(' ')}`]
        : [],
    );
    expect(keyed.sort()).toEqual(['CoinBalance @key(fields: "userId")', 'CoinConfig @key(fields: "coinConfigId")']);
    // Apart from @link and @key, the subgraph SDL is the public API itself.
    const stripped = visit(document, { Directive: () => null, SchemaExtension: () => null });
    expect(printSchema(lexicographicSortSchema(buildSchema(print(stripped))))).toBe(
      printSchema(lexicographicSortSchema(publicSchema)),
    );
  });

  it("the served schema is the public API plus exactly federation's _service, _entities and their types", () => {
    expect(withoutFederation(schema)).toBe(printSortedSchema());
    const added = Object.keys(schema.getTypeMap()).filter((name) => !publicSchema.getType(name));
    expect(added.sort()).toEqual(FEDERATION_TYPES);
    const addedFields = Object.keys(schema.getQueryType()?.getFields() ?? {}).filter(
      (name) => !publicSchema.getQueryType()?.getFields()[name],
    );
    expect(addedFields.sort()).toEqual(FEDERATION_QUERY_FIELDS);
  });
});

describe('example operations', () => {
  it('the example operations are one named operation each, named as their key, one per root field of the schema', () => {
    const operations = readOperations();
    for (const { file, document } of operations) {
      expect(
        document.definitions.map((definition) => definition.kind),
        file,
      ).toEqual(['OperationDefinition']);
      expect(operationsOf(document)[0]?.name?.value, `${file} needs an operation named ${file}`).toBe(file);
    }
    expect(operations.map(({ document }) => operationsOf(document)[0]?.name?.value).sort()).toEqual([
      'AllocateCoins',
      'CoinBalance',
      'CoinBalances',
      'CoinEvent',
      'CoinEvents',
      'CreateCoinEvent',
      'UpdateCoinEvent',
    ]);
    const rootFields = [
      ...Object.keys(publicSchema.getQueryType()?.getFields() ?? {}).map((name) => `Query.${name}`),
      ...Object.keys(publicSchema.getMutationType()?.getFields() ?? {}).map((name) => `Mutation.${name}`),
    ].sort();
    expect(operations.flatMap(({ document }) => rootFieldsUsed(document)).sort()).toEqual(rootFields);
  });

  it.each(readOperations().map(({ file, document }) => [file, document] as const))(
    '%s validates against the schema',
    (_file, document) => {
      expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    },
  );

  it("GraphiQL's default document validates against the schema and its operations are the example operations, with default values", () => {
    const document = parse(graphiqlDefaultDocument());
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    const names = operationsOf(document).map((operation) => operation.name?.value);
    expect(names).toEqual([...GRAPHIQL_OPERATION_NAMES]);
    const known = new Map(readOperations().map(({ file, document: op }) => [file, print(op)]));
    for (const operation of operationsOf(document)) {
      const name = operation.name?.value ?? '';
      // Only the variables' default values (GraphiQL's ready-to-run values) set it apart.
      const withoutDefaults = visit(operation, {
        VariableDefinition: (node) => ({ ...node, defaultValue: undefined }),
      });
      expect(print(withoutDefaults), `${name} is in GraphiQL but not among the example operations`).toBe(
        known.get(name),
      );
      expect(
        operation.variableDefinitions?.every((variable) => variable.defaultValue !== undefined),
        `${name} runs as written`,
      ).toBe(true);
    }
  });

  it('validation catches an operation that drifted from the schema', () => {
    const drifted = parse('query CoinEvent($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId coins } }');
    expect(validate(schema, drifted).map((error) => error.message)).toEqual([
      'Cannot query field "coins" on type "CoinConfig".',
    ]);
  });
});
