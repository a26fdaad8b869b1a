export * from './app.js';
export type { Lifecycle } from './routes/probes.js';
export { OidcAuthenticator, planAuth, requiresPrincipal, type AuthOptions, type AuthPlan, type Authenticator, type OidcOptions } from './auth/index.js';
