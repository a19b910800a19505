import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen`: typed documents for the example operations in test/operations (the same ones
 * GraphiQL opens with), generated from the committed schema.graphql (no running server needed).
 * Consumers copy this setup and
 * point `schema` at their checkout of schema.graphql or at a running gateway's /graphql.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // NodeNext ESM: relative imports in the generated files end in `.js` (a root-level option only).
  emitLegacyCommonJSImports: false,
  generates: {
    'test/client/gql/': {
      preset: 'client',
      presetConfig: {
        // The operations use no fragments; keeps the output small.
        fragmentMasking: false,
        // test/client/gql/persisted-documents.json: the trusted-documents manifest
        // { "<sha256>": "<document>" } the gateway loads from TRUSTED_DOCUMENTS_FILE. Each generated
        // document carries its hash (document.__meta__.hash), which the example client sends instead
        // of the document text.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        // verbatimModuleSyntax: `import type` for types.
        useTypeImports: true,
        enumsAsTypes: true,
        // Fail on unknown scalars instead of typing them `any`.
        strictScalars: true,
        scalars: { ID: 'string' },
      },
    },
  },
};

export default config;
