// The ranges a client key's limits may take, shared by the admin API and the CLI: each one fits
// exactly in its column on SQLite and PostgreSQL, and a spend limit is whole micro-USD. Pure.

/** 1e9 USD = 1e15 micro-USD: below 2^53, so exact as a JavaScript number and a bigint column. */
export const maxSpendLimitUsd = 1_000_000_000;
/** requests/min, images/min and concurrency live in 32-bit integer columns; a million is plenty. */
export const maxKeyRate = 1_000_000;

export const spendLimitRange = `a number of USD from 0 to ${maxSpendLimitUsd} with at most 6 decimals (whole micro-USD)`;
export const keyRateRange = `a whole number from 1 to ${maxKeyRate}`;

const usdPattern = /^(\d+)(?:\.(\d{1,6}))?$/;

/**
 * USD (a number, or the text of one) → integer micro-USD, without floating-point rounding; undefined
 * when not finite, negative, finer than a micro-USD, or above maxSpendLimitUsd.
 */
export function spendLimitMicros(usd: number | string): number | undefined {
  if (typeof usd === 'number' && !Number.isFinite(usd)) return undefined;
  // A JSON number prints as its shortest decimal (0.1 → "0.1"; 1e-7 → "1e-7", which is refused).
  const match = usdPattern.exec(typeof usd === 'number' ? String(usd) : usd.trim());
  if (match === null) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  if (!Number.isSafeInteger(whole) || whole > maxSpendLimitUsd) return undefined;
  const micros = whole * 1_000_000 + fraction;
  return micros <= maxSpendLimitUsd * 1_000_000 ? micros : undefined;
}

/** A requests/min, images/min or concurrency limit; undefined when not a whole number in range. */
export function keyRate(value: number | string): number | undefined {
  const number = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(number) && number >= 1 && number <= maxKeyRate ? number : undefined;
}
