// One module per area of the REST spec, plus the probes.
export { configRoutes } from './config.js';
export { namespaceRoutes } from './namespaces.js';
export { tableRoutes } from './tables.js';
export { viewsRoutes } from './views.js';
export { registerRoutes } from './register.js';
export { transactionRoutes } from './transactions.js';
export { planningRoutes } from './planning.js';
export { probeRoutes, type Lifecycle } from './probes.js';
