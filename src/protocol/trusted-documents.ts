import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `TRUSTED_DOCUMENTS`: off: no manifest; allow: manifest ids and full documents; required: manifest ids only. */
export type TrustedDocumentsMode = 'off' | 'allow' | 'required';

/** sha256 → document, as GraphQL Code Generator's client preset writes it (persistedDocuments). */
export type TrustedDocuments = ReadonlyMap<string, string>;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/**
 * Reads the manifest `{ "<sha256>": "<document>" }`. Every key must be the sha256 of its
 * document: a manifest edited by hand (or from another hash algorithm) is refused at start-up
 * rather than answering PERSISTED_QUERY_NOT_FOUND for ids the client believes are trusted.
 * Problems are thrown as plain messages that name the variable (config.ts reports them).
 */
export function readTrustedDocuments(path: string): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`TRUSTED_DOCUMENTS_FILE cannot be read (${code}): ${path}`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new Error(`TRUSTED_DOCUMENTS_FILE is not JSON: ${path}`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new Error('TRUSTED_DOCUMENTS_FILE must hold one JSON object { "<sha256>": "<document>" }');
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (!SHA256_HEX.test(hash) || typeof document !== 'string') {
      throw new Error(
        `TRUSTED_DOCUMENTS_FILE entry "${hash.slice(0, 80)}" is not a lowercase sha256 hex key with a document string`,
      );
    }
    if (sha256Hex(document) !== hash) {
      throw new Error(
        `TRUSTED_DOCUMENTS_FILE entry ${hash} is not the sha256 of its document (use codegen's hashAlgorithm: 'sha256')`,
      );
    }
    documents.set(hash, document);
  }
  if (documents.size === 0) throw new Error('TRUSTED_DOCUMENTS_FILE holds no documents');
  return documents;
}
