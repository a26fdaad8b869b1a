export type { Authentication, Authenticator } from './authenticator.js';
export { ProviderUnreachable } from './bounded-fetch.js';
export { principalOf } from '../principal.js';
export { bearerToken, registerAuth, requiresPrincipal, type AuthOptions } from './hook.js';
export { OIDC_ALGORITHMS, OidcAuthenticator, type OidcOptions } from './oidc.js';
export { planAuth, type AuthPlan } from './startup.js';
export { BuiltinAuthority, builtinIssuer, type BuiltinOptions, type IssuedToken } from './builtin.js';
export { FailureLimiter } from './rate-limit.js';
export { TOKEN_ENDPOINT } from './token-endpoint.js';
