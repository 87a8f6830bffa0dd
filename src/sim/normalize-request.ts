// Google accepts proto3 JSON in both spellings (`inline_data` and `inlineData`); the simulator
// reads a camelCase copy and records the original untouched.

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Returns a deep copy with every object key in camelCase. */
export function toCamelCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toCamelCase(item));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) result[camelCase(key)] = toCamelCase(member);
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
