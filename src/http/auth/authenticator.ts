// What the auth hook asks of a way of authenticating: a Bearer token in, a principal or the
// reason it is refused out. A refusal reason is shown to the client, so it names what is wrong
// with the token, never its content.
import type { Principal } from '../../catalog/index.js';

export type Authentication =
  | { readonly ok: true; readonly principal: Extract<Principal, { kind: 'user' }> }
  | { readonly ok: false; readonly reason: string };

export interface Authenticator {
  /** `token` is the credential of `Authorization: Bearer <token>`; throws only when the verifier itself cannot work (provider down) */
  authenticate(token: string): Promise<Authentication>;
}
