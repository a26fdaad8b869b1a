// A FAKE of the Azure Key Vault keys REST API, for tests only: not Key Vault, not an emulator
// (none exists). It is an HttpClient handed to the official SDK in place of the network and
// answers what the SDK's CryptographyClient sends for wrapKey / unwrapKey with RSA-OAEP-256:
// the bearer challenge (401 + WWW-Authenticate) on an unauthenticated request, 403 on GET key
// (a role without `get`, so the SDK stays remote), POST .../wrapkey and .../unwrapkey with an
// RSA key pair held here (400 BadParameter when a ciphertext does not decrypt). Everything
// else answers 501, so a test never passes on an unimplemented path.
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';

export interface KeyVaultFake {
  httpClient: HttpClient;
  credential: TokenCredential;
  /** key URL (https://<vault>.vault.azure.net/keys/<name>/<version>) of a new RSA key */
  createKey(name: string): string;
  requests: string[];
}

export function keyVaultFake(vault = 'https://floe-test.vault.azure.net'): KeyVaultFake {
  const keys = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
  const requests: string[] = [];
  const respond = (request: PipelineRequest, status: number, body?: unknown, headers: Record<string, string> = {}): PipelineResponse => ({
    request,
    status,
    headers: createHttpHeaders({ 'content-type': 'application/json', ...headers }),
    bodyAsText: body === undefined ? '' : JSON.stringify(body),
  });
  const error = (request: PipelineRequest, status: number, code: string) => respond(request, status, { error: { code, message: `fake: ${code}` } });
  const oaep = (key: KeyObject) => ({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' });

  const httpClient: HttpClient = {
    async sendRequest(request) {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname}`);
      if (!request.headers.get('authorization')) {
        return respond(request, 401, undefined, {
          'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
        });
      }
      const match = /^\/keys\/([^/]+)\/([^/]+)(?:\/(wrapkey|unwrapkey))?$/.exec(url.pathname);
      const key = match ? keys.get(`${match[1]}/${match[2]}`) : undefined;
      if (!match || !key) return error(request, 404, 'KeyNotFound');
      if (request.method === 'GET' && !match[3]) return error(request, 403, 'Forbidden');
      if (request.method !== 'POST' || !match[3]) return error(request, 501, 'NotImplemented');
      const body = JSON.parse(String(request.body)) as { alg: string; value: string };
      if (body.alg !== 'RSA-OAEP-256') return error(request, 400, 'BadParameter');
      const input = Buffer.from(body.value, 'base64url');
      const kid = `${vault}/keys/${match[1]}/${match[2]}`;
      if (match[3] === 'wrapkey') return respond(request, 200, { kid, value: publicEncrypt(oaep(key.publicKey), input).toString('base64url') });
      try {
        return respond(request, 200, { kid, value: privateDecrypt(oaep(key.privateKey), input).toString('base64url') });
      } catch {
        return error(request, 400, 'BadParameter');
      }
    },
  };
  const credential: TokenCredential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  let version = 0;
  return {
    httpClient,
    credential,
    requests,
    createKey(name) {
      const id = `${name}/${(++version).toString(16).padStart(32, '0')}`;
      keys.set(id, generateKeyPairSync('rsa', { modulusLength: 2048 }));
      return `${vault}/keys/${id}`;
    },
  };
}
