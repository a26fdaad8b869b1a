// The schema: its types, its wire validators and the field walks shared by tables and views.
export * from './types.js';
export * from './depth.js';
export * from './wire.js';
export * from './fields.js';
