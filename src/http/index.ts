export * from './app.js';
export type { Lifecycle } from './routes/probes.js';
export { BuiltinAuthority, builtinIssuer, FailureLimiter, TOKEN_ENDPOINT, type BuiltinOptions, OidcAuthenticator, planAuth, requiresPrincipal, type AuthOptions, type AuthPlan, type Authenticator, type OidcOptions } from './auth/index.js';
