// What a key-encryption key source is, apart from any one source: the local keyring and the
// cloud KMS providers implement it, and each imports only this, never the keyring.
export interface KeyProvider {
  /** for messages: "local keyring", "AWS KMS", ... */
  readonly name: string;
  /** key ids this replica can use */
  keyIds(): string[];
  has(keyId: string): boolean;
  /** wraps a data key; `context` is authenticated (the catalog id and key id) */
  wrap(keyId: string, dataKey: Buffer, context: Buffer): Promise<Buffer>;
  /** undefined when the wrapped key does not open under `keyId` (wrong key, altered) */
  unwrap(keyId: string, wrapped: Buffer, context: Buffer): Promise<Buffer | undefined>;
}

/** A configuration problem with the keys: names the key id and the source, never the key. */
export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}
