// Deep copy of plain JSON-like data (objects, arrays, strings, numbers, bigints, booleans,
// null). Several times faster than structuredClone, which serialises; metadata is plain data.
export function clonePlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clonePlain(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.hasOwn(value, key)) out[key] = clonePlain((value as Record<string, unknown>)[key]);
  }
  return out as T;
}
