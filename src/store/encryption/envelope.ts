// The byte format of an encrypted object (docs/design/encryption.md): a header naming the key
// id and carrying the wrapped data key, then AES-256-GCM of the plaintext under that data key
// with the object's path and the catalog id as additional authenticated data.
import { ENCRYPTION_WRAPPED_KEY_BYTES_MAX } from '../../config/index.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENVELOPE_MAGIC = Buffer.from('FLOEENC\u0001', 'latin1');
export const ALGORITHM = 'AES-256-GCM';
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface EnvelopeHeader {
  keyId: string;
  wrappedKey: Buffer;
  /** the header's bytes, authenticated with the body */
  bytes: Buffer;
  /** where the nonce starts */
  bodyOffset: number;
}

export const isEnvelope = (bytes: Uint8Array): boolean =>
  bytes.length >= ENVELOPE_MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, ENVELOPE_MAGIC.length).equals(ENVELOPE_MAGIC);

/** Parses the header; a string says why it is malformed (never containing object bytes). */
export function parseHeader(bytes: Buffer): EnvelopeHeader | string {
  if (!isEnvelope(bytes)) return 'not an encrypted Floe object';
  let at = ENVELOPE_MAGIC.length;
  if (bytes.length < at + 1) return 'truncated header';
  const idLength = bytes[at]!;
  at += 1;
  if (bytes.length < at + idLength + 2) return 'truncated header';
  const keyId = bytes.subarray(at, at + idLength).toString('latin1');
  if (!KEY_ID_PATTERN.test(keyId)) return 'malformed key id in the header';
  at += idLength;
  const wrappedLength = bytes.readUInt16BE(at);
  at += 2;
  if (wrappedLength === 0 || wrappedLength > ENCRYPTION_WRAPPED_KEY_BYTES_MAX || bytes.length < at + wrappedLength + NONCE_BYTES + TAG_BYTES) {
    return 'truncated header';
  }
  const wrappedKey = bytes.subarray(at, at + wrappedLength);
  at += wrappedLength;
  return { keyId, wrappedKey, bytes: bytes.subarray(0, at), bodyOffset: at };
}

export function buildHeader(keyId: string, wrappedKey: Buffer): Buffer {
  const id = Buffer.from(keyId, 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(wrappedKey.length);
  return Buffer.concat([ENVELOPE_MAGIC, Buffer.from([id.length]), id, length, wrappedKey]);
}

const objectAad = (context: Buffer, header: Buffer) => Buffer.concat([context, header]);

/** AES-256-GCM of `plaintext` under `dataKey`, the header and `context` authenticated. */
export function seal(header: Buffer, dataKey: Buffer, context: Buffer, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
  cipher.setAAD(objectAad(context, header));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the tag does not verify (altered, moved or wrong key). */
export function open(bytes: Buffer, header: EnvelopeHeader, dataKey: Buffer, context: Buffer): Buffer | undefined {
  const nonce = bytes.subarray(header.bodyOffset, header.bodyOffset + NONCE_BYTES);
  const body = bytes.subarray(header.bodyOffset + NONCE_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce);
    decipher.setAAD(objectAad(context, header.bytes));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined; // GCM refused the tag: "does not open" is this function's answer, named by the caller
  }
}

/** AAD of an object: binds it to its catalog and its path, so it cannot be moved or swapped. */
export const objectContext = (catalogId: string, key: string): Buffer =>
  Buffer.from(`floe-obj-v1\u0000${catalogId}\u0000${key}\u0000`, 'utf8');

/** AAD of a wrapped data key: binds it to the catalog (or backup) and the key id. */
export const wrapContext = (scope: string, keyId: string): Buffer => Buffer.from(`floe-dek-v1\u0000${scope}\u0000${keyId}`, 'utf8');
