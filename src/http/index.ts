export * from './app.js';
export type { Lifecycle } from './routes/probes.js';
