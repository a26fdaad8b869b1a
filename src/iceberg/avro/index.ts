// Avro object container files, as manifest lists and manifests are written.
export * from './container.js';
