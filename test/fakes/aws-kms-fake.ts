// A FAKE of the AWS KMS API, for tests only: not KMS, not an emulator (none runs here). An HTTP
// server on 127.0.0.1 speaking the KMS JSON 1.1 protocol (POST /, X-Amz-Target:
// TrentService.<Operation>) for what the official SDK sends for Encrypt, Decrypt and
// GenerateDataKey with symmetric keys. Keys are 256-bit AES keys held here; a ciphertext blob
// is [key uuid length, key uuid, nonce, AES-GCM body, tag] with the canonical EncryptionContext
// as the associated data, so a different context on Decrypt fails like KMS does
// (InvalidCiphertextException), and a Decrypt naming another KeyId is IncorrectKeyException.
// A request without a SigV4 Authorization header is refused (MissingAuthenticationToken).
// Everything else answers 501, so a test never passes on an unimplemented path.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const BODY_BYTES_MAX = 1024 * 1024;

export interface AwsKmsFake {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** a new symmetric key: its ARN */
  createKey(): string;
  /** an alias ARN for a key ARN */
  createAlias(name: string, keyArn: string): string;
  /** "<Operation> <KeyId>" of every request */
  requests: string[];
  /** the access key ids the requests were signed with */
  accessKeyIds: Set<string>;
  close(): Promise<void>;
}

class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const canonicalContext = (context: unknown): Buffer => {
  if (context === undefined) return Buffer.alloc(0);
  if (typeof context !== 'object' || context === null) throw new KmsError(400, 'ValidationException', 'EncryptionContext is not a map');
  const entries = Object.entries(context as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [, value] of entries) if (typeof value !== 'string') throw new KmsError(400, 'ValidationException', 'EncryptionContext values are strings');
  return Buffer.from(JSON.stringify(entries), 'utf8');
};

export async function awsKmsFake(): Promise<AwsKmsFake> {
  const keys = new Map<string, Buffer>(); // uuid → key
  const aliases = new Map<string, string>(); // alias name → uuid
  const requests: string[] = [];
  const accessKeyIds = new Set<string>();
  const arnOf = (uuid: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${uuid}`;

  const resolve = (keyId: unknown): string => {
    if (typeof keyId !== 'string') throw new KmsError(400, 'ValidationException', 'KeyId is required');
    const alias = /^(?:arn:aws:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(keyId);
    const uuid = alias ? aliases.get(alias[1]!) : /^(?:arn:aws:kms:[^:]+:\d{12}:key\/)?([0-9a-f-]{36})$/.exec(keyId)?.[1];
    if (!uuid || !keys.has(uuid)) throw new KmsError(400, 'NotFoundException', `Key '${keyId}' does not exist`);
    return uuid;
  };

  const encrypt = (uuid: string, plaintext: Buffer, context: Buffer): Buffer => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keys.get(uuid)!, nonce);
    cipher.setAAD(context);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(uuid, 'latin1');
    return Buffer.concat([Buffer.from([id.length]), id, nonce, body, cipher.getAuthTag()]);
  };

  const decrypt = (blob: Buffer, context: Buffer): { uuid: string; plaintext: Buffer } => {
    const invalid = new KmsError(400, 'InvalidCiphertextException', '');
    if (blob.length < 1) throw invalid;
    const uuid = blob.subarray(1, 1 + blob[0]!).toString('latin1');
    const key = keys.get(uuid);
    const at = 1 + blob[0]!;
    if (!key || blob.length < at + 12 + 16) throw invalid;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(at, at + 12));
      decipher.setAAD(context);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return { uuid, plaintext: Buffer.concat([decipher.update(blob.subarray(at + 12, blob.length - 16)), decipher.final()]) };
    } catch {
      throw invalid;
    }
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    Encrypt(input) {
      const uuid = resolve(input.KeyId);
      const plaintext = Buffer.from(String(input.Plaintext ?? ''), 'base64');
      if (plaintext.length === 0 || plaintext.length > 4096) throw new KmsError(400, 'ValidationException', 'Plaintext must be 1 to 4096 bytes');
      const blob = encrypt(uuid, plaintext, canonicalContext(input.EncryptionContext));
      return { CiphertextBlob: blob.toString('base64'), KeyId: arnOf(uuid), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    GenerateDataKey(input) {
      const uuid = resolve(input.KeyId);
      if (input.KeySpec !== 'AES_256' && input.NumberOfBytes !== 32) throw new KmsError(400, 'ValidationException', 'fake: only AES_256 / 32 bytes');
      const plaintext = randomBytes(32);
      const blob = encrypt(uuid, plaintext, canonicalContext(input.EncryptionContext));
      return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: arnOf(uuid) };
    },
    Decrypt(input) {
      const opened = decrypt(Buffer.from(String(input.CiphertextBlob ?? ''), 'base64'), canonicalContext(input.EncryptionContext));
      if (input.KeyId !== undefined && resolve(input.KeyId) !== opened.uuid) {
        throw new KmsError(400, 'IncorrectKeyException', 'The key ID in the request does not identify the KMS key used to encrypt the ciphertext');
      }
      return { Plaintext: opened.plaintext.toString('base64'), KeyId: arnOf(opened.uuid), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > BODY_BYTES_MAX) throw new KmsError(413, 'ValidationException', 'body too large');
      chunks.push(chunk as Buffer);
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    requests.push(`${operation} ${String(input.KeyId ?? '')}`);
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''));
    if (!auth) throw new KmsError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    accessKeyIds.add(auth[1]!);
    if (request.method !== 'POST' || request.url !== '/' || !String(request.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
      throw new KmsError(501, 'NotImplemented', `fake: ${request.method} ${request.url}`);
    }
    const run = operations[operation];
    if (!run) throw new KmsError(501, 'NotImplemented', `fake: ${operation || target}`);
    const out = run(input);
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    response.end(JSON.stringify(out));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const e = error instanceof KmsError ? error : new KmsError(500, 'KMSInternalException', 'fake: internal error');
      response.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      response.end(JSON.stringify({ __type: e.type, message: e.message }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake: no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    accessKeyIds,
    createKey() {
      const uuid = randomUUID();
      keys.set(uuid, randomBytes(32));
      return arnOf(uuid);
    },
    createAlias(name, keyArn) {
      aliases.set(`alias/${name}`, resolve(keyArn));
      return `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${name}`;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
