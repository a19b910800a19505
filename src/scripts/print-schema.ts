import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSortedSchema, printSortedSubgraphSchema } from '../schema/index.js';

// `npm run schema:print`: writes the public schema to schema.graphql at the repository root and
// the federation subgraph SDL (with @link and @key, as `_service { sdl }` serves it) next to this file.
const targets: Array<[URL, string]> = [
  [new URL('../../schema.graphql', import.meta.url), printSortedSchema()],
  [new URL('../schema/subgraph.graphql', import.meta.url), printSortedSubgraphSchema()],
];
for (const [url, sdl] of targets) {
  const target = fileURLToPath(url);
  writeFileSync(target, sdl);
  console.log(`wrote ${target}`);
}
