export * from './envelope.js';
export * from './keyring.js';
export * from './encrypted-store.js';
export * from './scan.js';
export * from './rewrap.js';
export * from './backup.js';
export * from './azure-keyvault.js';
