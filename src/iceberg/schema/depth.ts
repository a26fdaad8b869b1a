// Nested types are parsed and walked recursively (zod, field indexing, fresh id assignment,
// equality), so a schema nested thousands of levels deep overflowed the stack: a 500 instead of
// a 400. The nesting is measured here first, without recursion, and bounded by SCHEMA_DEPTH_MAX.
import { limits } from '../../config/index.js';

const { SCHEMA_DEPTH_MAX } = limits;

/**
 * Nesting levels of the types in a schema's JSON (a struct of primitives is 1, a struct in it 2);
 * counting stops once it passes `max`, so the walk is bounded by the schema's size.
 */
export function schemaDepth(schema: unknown, max = SCHEMA_DEPTH_MAX): number {
  let deepest = 0;
  const stack: Array<{ type: unknown; depth: number }> = [{ type: schema, depth: 1 }];
  while (stack.length > 0) {
    const { type, depth } = stack.pop()!;
    if (typeof type !== 'object' || type === null || Array.isArray(type)) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > max) return deepest;
    const t = type as Record<string, unknown>;
    if (Array.isArray(t.fields)) {
      for (const field of t.fields) if (typeof field === 'object' && field !== null) stack.push({ type: (field as Record<string, unknown>).type, depth: depth + 1 });
    }
    for (const child of ['element', 'key', 'value']) if (child in t) stack.push({ type: t[child], depth: depth + 1 });
  }
  return deepest;
}

export const SCHEMA_TOO_DEEP = `nested types deeper than ${SCHEMA_DEPTH_MAX} levels`;

export const schemaTooDeep = (schema: unknown): boolean => schemaDepth(schema) > SCHEMA_DEPTH_MAX;
