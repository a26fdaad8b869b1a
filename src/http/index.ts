export * from './app.js';
export type { Lifecycle } from './routes/index.js';
export { BuiltinAuthority, builtinIssuer, FailureLimiter, TOKEN_ENDPOINT, type BuiltinOptions, OidcAuthenticator, planAuth, requiresPrincipal, type AuthOptions, type AuthPlan, type Authenticator, type OidcOptions } from './auth/index.js';
export { buildAdminApp } from './admin.js';
export { createLogger, defaultLogFormat, type PinoLogger } from './logging.js';
export { PromMetrics, createTelemetry } from './metrics.js';
export { shutDown } from './shutdown.js';
export { redactString, redactValue } from './redact.js';
