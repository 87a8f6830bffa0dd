// Command output helpers: tables for people on a terminal, JSON for machines; exit codes per DESIGN §7.
export const exitCodes = { ok: 0, failures: 1, usage: 2 } as const;

export function printTable(rows: Array<Record<string, unknown>>, columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const names = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => names.map((name) => formatCell(row[name])));
  const widths = names.map((name, index) =>
    Math.max(name.length, ...cells.map((line) => line[index].length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(names)}\n${line(widths.map((width) => '-'.repeat(width)))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
