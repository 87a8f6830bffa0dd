// Reading parsed JSON of unknown shape: a JSON object (not an array, not null) as a record.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as a record when it is a JSON object, else undefined (for optional chaining). */
export function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
