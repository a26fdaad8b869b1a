// JSON and zod helpers shared by tables and views.
export * from './json.js';
export * from './validate.js';
export * from './java-json.js';
export * from './properties.js';
