// Scan filter evaluation for server-side planning (pure; catalog/scan-planning.ts does the I/O).
export { bindFilter, filterSize, findField, parseFilter, rewriteNot, schemaFields, type BoundExpr, type Expr, type SchemaFields } from './expression.js';
export { metricsMightMatch, partitionMightMatch, type FileMetrics, type PartitionValue } from './evaluate.js';
export { applyTransform, bucketHash, parseTransform } from './transforms.js';
export { compareValues, decodeSingleValue, literalFor, primitiveKind, type PrimitiveKind, type Value } from './values.js';
