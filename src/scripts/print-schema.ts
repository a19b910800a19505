import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSortedSchema, printSubgraphSchemaExtension } from '../schema/index.js';

// `npm run schema:print`: writes the public schema to schema.graphql at the repository root and
// what the federation subgraph SDL adds to it (@link and the @keys) to src/schema/subgraph-extension.graphql.
const targets: Array<[URL, string]> = [
  [new URL('../../schema.graphql', import.meta.url), printSortedSchema()],
  [new URL('../schema/subgraph-extension.graphql', import.meta.url), printSubgraphSchemaExtension()],
];
for (const [url, sdl] of targets) {
  const target = fileURLToPath(url);
  writeFileSync(target, sdl);
  console.log(`wrote ${target}`);
}
