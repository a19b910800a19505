// The worst requests known (each once made the gateway fail), shared by the tests and test/bench/hostile-requests.ts.

/** ~1 MB operation name and an undefined $x used 150 times */
export function hugeNameDocument(nameBytes = 1_000_000, uses = 150): string {
  const fields = Array.from({ length: uses }, (_, i) => `a${i}: coinBalance(userId: $x) { coins }`).join(' ');
  return `query ${'N'.repeat(nameBytes)} { ${fields} }`;
}

/** 20 aliases × coinEvents of 100 ids */
export function amplificationDocument(aliases = 20, ids = 100): string {
  const list = JSON.stringify(Array.from({ length: ids }, (_, i) => `WCC${String(i).padStart(6, '0')}`));
  return `{ ${Array.from({ length: aliases }, (_, i) => `e${i}: coinEvents(coinConfigIds: ${list}) { coinConfigId }`).join(' ')} }`;
}
