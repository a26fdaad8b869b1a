export * from './app.js';
export type { Lifecycle } from './routes/probes.js';
export { buildAdminApp } from './admin.js';
export { createLogger, defaultLogFormat, type PinoLogger } from './logging.js';
export { PromMetrics, createTelemetry } from './metrics.js';
export { shutDown } from './shutdown.js';
