export * from './app.js';
export type { Lifecycle } from './routes/probes.js';
export { planAuth, type AuthPlan } from './auth/startup.js';
export { OidcAuthenticator, type OidcOptions } from './auth/oidc.js';
export type { AuthOptions } from './auth/hook.js';
