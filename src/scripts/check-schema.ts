import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSortedSchema } from '../schema/index.js';
import { checkSchemaAgainstRef } from './schema-contract.js';

// `npm run schema:check [git-ref]`: exit 0 when the schema the code builds keeps the contract of
// schema.graphql at the ref (default: the previous commit), 1 on an unannounced breaking change,
// 2 when the comparison cannot be made (unknown ref, e.g. in a shallow clone).
const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const ref = process.argv[2] ?? 'HEAD~1';
const currentPackage = JSON.parse(readFileSync(new URL('package.json', `file://${repoDir}`), 'utf8')) as {
  version?: unknown;
};

try {
  const result = await checkSchemaAgainstRef({
    repoDir,
    ref,
    afterSdl: printSortedSchema(),
    afterVersion: currentPackage.version,
  });
  console.log(result.report);
  process.exitCode = result.exitCode;
} catch (error) {
  console.error(`schema:check could not compare: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
