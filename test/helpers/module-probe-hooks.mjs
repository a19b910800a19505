// Loader hooks of module-probe.mjs (they run on Node's loader thread).
import { appendFileSync } from 'node:fs';

let probe = { file: undefined, match: undefined };

export function initialize(data) {
  probe = data;
}

export async function resolve(specifier, context, next) {
  if (probe.file && probe.match && specifier.includes(probe.match)) appendFileSync(probe.file, `${specifier}\n`);
  return next(specifier, context);
}
