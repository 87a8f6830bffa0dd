// Converts published prices (decimal USD per 1M tokens, as text) to integer nano-USD per token
// without passing through floating point: $1 per 1M tokens = 1000 nano-USD per token.

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/** `'0.30'` → 300, `'60'` → 60000, `'2.50'` → 2500; undefined when not an exact integer. */
export function usdPerMillionToNanoPerToken(decimal: string): number | undefined {
  const match = decimalPattern.exec(decimal.trim());
  if (match === null) return undefined;
  const whole = match[1];
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 3) return undefined;
  const nano = BigInt(whole) * 1000n + BigInt(fraction.padEnd(3, '0') || '0');
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(nano);
}

/** Whether a published price converts exactly (at most three decimals, not negative). */
export function isExactPrice(decimal: string): boolean {
  return usdPerMillionToNanoPerToken(decimal) !== undefined;
}
