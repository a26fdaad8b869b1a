// A FAKE of the Google Cloud KMS REST API, for tests only: not Cloud KMS, not an emulator
// (none exists). An HTTP server on 127.0.0.1 answering what the official @google-cloud/kms
// client sends over its HTTP/JSON transport (`fallback: true`): POST
// /v1/projects/P/locations/L/keyRings/R/cryptoKeys/K:encrypt and :decrypt with proto3 JSON
// bodies (bytes as base64). Keys are AES-256 keys held here; a ciphertext is [key name length,
// key name, nonce, AES-GCM body, tag] with additionalAuthenticatedData as the associated data,
// so other AAD, another key or an altered ciphertext is 400 INVALID_ARGUMENT like Cloud KMS.
// Requests must carry a Bearer token that is a JWT signed by the service account the fake
// issued (what google-auth-library's self-signed JWT access gives for a service-account key
// file); else 401 UNAUTHENTICATED. Everything else answers 501, so a test never passes on an
// unimplemented path.
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const BODY_BYTES_MAX = 1024 * 1024;
const PROJECT = 'floe-test-project';

export interface GcpKmsFake {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** a new symmetric key: projects/P/locations/global/keyRings/floe/cryptoKeys/<name> */
  createKey(name: string): string;
  /** the text of a service-account key file whose JWTs this fake accepts */
  serviceAccountJson: string;
  /** "<method> <name>:<verb>" of every request */
  requests: string[];
  /** the service account emails requests were signed by */
  callers: Set<string>;
  close(): Promise<void>;
}

class RpcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const b64url = (text: string) => Buffer.from(text, 'base64url');

export async function gcpKmsFake(): Promise<GcpKmsFake> {
  const keys = new Map<string, Buffer>();
  const requests: string[] = [];
  const callers = new Set<string>();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `floe-test@${PROJECT}.iam.gserviceaccount.com`;

  const authenticate = (header: string | undefined, signer: KeyObject) => {
    const unauthenticated = new RpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) throw unauthenticated;
    const [head, payload, signature] = parts as [string, string, string];
    if (!verify('sha256', Buffer.from(`${head}.${payload}`), signer, b64url(signature))) throw unauthenticated;
    const claims = JSON.parse(b64url(payload).toString('utf8')) as { iss?: string; exp?: number };
    if (claims.iss !== email || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw unauthenticated;
    callers.add(claims.iss);
  };

  const bytes = (value: unknown, field: string, required: boolean): Buffer => {
    if (value === undefined && !required) return Buffer.alloc(0);
    if (typeof value !== 'string') throw new RpcError(400, 'INVALID_ARGUMENT', `${field} is required`);
    return Buffer.from(value, 'base64');
  };

  const encrypt = (name: string, body: Record<string, unknown>) => {
    const plaintext = bytes(body.plaintext, 'plaintext', true);
    if (plaintext.length === 0 || plaintext.length > 64 * 1024) throw new RpcError(400, 'INVALID_ARGUMENT', 'plaintext must be 1 to 65536 bytes');
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keys.get(name)!, nonce);
    cipher.setAAD(bytes(body.additionalAuthenticatedData, 'additionalAuthenticatedData', false));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(name, 'utf8');
    const ciphertext = Buffer.concat([Buffer.from([id.length]), id, nonce, sealed, cipher.getAuthTag()]);
    return { name: `${name}/cryptoKeyVersions/1`, ciphertext: ciphertext.toString('base64'), protectionLevel: 1 };
  };

  const decrypt = (name: string, body: Record<string, unknown>) => {
    const invalid = new RpcError(400, 'INVALID_ARGUMENT', 'Decryption failed: the ciphertext is invalid.');
    const ciphertext = bytes(body.ciphertext, 'ciphertext', true);
    if (ciphertext.length < 1) throw invalid;
    const at = 1 + ciphertext[0]!;
    if (ciphertext.subarray(1, at).toString('utf8') !== name || ciphertext.length < at + 12 + 16) throw invalid;
    try {
      const decipher = createDecipheriv('aes-256-gcm', keys.get(name)!, ciphertext.subarray(at, at + 12));
      decipher.setAAD(bytes(body.additionalAuthenticatedData, 'additionalAuthenticatedData', false));
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const plaintext = Buffer.concat([decipher.update(ciphertext.subarray(at + 12, ciphertext.length - 16)), decipher.final()]);
      return { plaintext: plaintext.toString('base64'), usedPrimary: true, protectionLevel: 1 };
    } catch {
      throw invalid;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > BODY_BYTES_MAX) throw new RpcError(413, 'INVALID_ARGUMENT', 'body too large');
      chunks.push(chunk as Buffer);
    }
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/:]+):(encrypt|decrypt)$/.exec(url.pathname);
    requests.push(`${request.method} ${match ? `${match[1]}:${match[2]}` : url.pathname}`);
    authenticate(request.headers.authorization, publicKey);
    if (request.method !== 'POST' || !match) throw new RpcError(501, 'UNIMPLEMENTED', `fake: ${request.method} ${url.pathname}`);
    const [, name, verb] = match as unknown as [string, string, 'encrypt' | 'decrypt'];
    if (!keys.has(name)) throw new RpcError(404, 'NOT_FOUND', `${name} not found.`);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    if (body.name !== undefined && body.name !== name) throw new RpcError(400, 'INVALID_ARGUMENT', 'name does not match the URL');
    const out = verb === 'encrypt' ? encrypt(name, body) : decrypt(name, body);
    response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(JSON.stringify(out));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const e = error instanceof RpcError ? error : new RpcError(500, 'INTERNAL', 'fake: internal error');
      response.writeHead(e.status, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(JSON.stringify({ error: { code: e.status, message: e.message, status: e.code } }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake: no port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    requests,
    callers,
    serviceAccountJson: JSON.stringify({
      type: 'service_account',
      project_id: PROJECT,
      private_key_id: 'fake-key-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: email,
      client_id: '100000000000000000001',
      // were the library to ask for an OAuth token instead of signing its own JWT, it would
      // come here and get 501, not reach Google
      token_uri: `${endpoint}/token`,
    }),
    createKey(name) {
      const full = `projects/${PROJECT}/locations/global/keyRings/floe/cryptoKeys/${name}`;
      keys.set(full, randomBytes(32));
      return full;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
