// The start-up decision of `serve`: which auth mode runs, and whether the address it binds may
// be served at all. Refusing here, before the port opens, is what keeps an anonymous catalog
// from being reachable past loopback by accident.
import { authModes, authSchema, ConfigError, type AuthSettings } from '../../config/index.js';
import { isLoopback } from '../host-check.js';
import type { AuthOptions } from './hook.js';
import { OidcAuthenticator } from './oidc.js';

export interface AuthPlan {
  /** absent: mode none, every caller is anonymous */
  auth?: AuthOptions;
  /** lines for the start-up banner (a warning on every start when anonymous past loopback) */
  lines: string[];
}

/** Decides the auth of a server bound to `host`; throws ConfigError when it must not start. */
export function planAuth(settings: AuthSettings | undefined, host: string): AuthPlan {
  const auth = settings ?? authSchema.parse({});
  const modes = authModes(auth.mode);
  if (modes.includes('none')) {
    if (isLoopback(host)) return { lines: ['  auth:      none (loopback only; docs/security.md)'] };
    if (!auth.insecure_allow_anonymous) {
      throw new ConfigError(
        `refusing to serve on ${host} without authentication: anyone who reaches the port could read, change and drop every table. ` +
          'Set [auth] mode = "oidc" (FLOE_AUTH_MODE, --auth-mode) with oidc_issuer and oidc_audience, or bind to 127.0.0.1, ' +
          'or accept the risk with --insecure-allow-anonymous (FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS=true) on a network where every client may do everything',
      );
    }
    return {
      lines: [`  warning:   no authentication on ${host} (--insecure-allow-anonymous): every client that reaches the port may read, change and drop every table`],
    };
  }
  const builtinLine = '  auth:      builtin (principals of the catalog: floe principal create; tokens at POST /v1/oauth/tokens)';
  if (!modes.includes('oidc')) {
    return { auth: { builtin: {}, metricsRequireAuth: auth.metrics_require_auth }, lines: [builtinLine] };
  }
  const missing = (['oidc_issuer', 'oidc_audience'] as const).filter((k) => auth[k] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(`[auth] mode oidc needs ${missing.map((k) => `[auth] ${k} (FLOE_AUTH_${k.toUpperCase()})`).join(' and ')}`);
  }
  const authenticator = new OidcAuthenticator({
    issuer: auth.oidc_issuer!,
    audience: auth.oidc_audience!,
    principalClaim: auth.oidc_principal_claim,
    ...(auth.oidc_roles_claim !== undefined && { rolesClaim: auth.oidc_roles_claim }),
  });
  const builtin = modes.includes('builtin');
  return {
    auth: { authenticator, ...(builtin && { builtin: {} }), metricsRequireAuth: auth.metrics_require_auth },
    lines: [...(builtin ? [builtinLine] : []), `  auth:      oidc (issuer ${auth.oidc_issuer}, audience ${auth.oidc_audience})`],
  };
}
