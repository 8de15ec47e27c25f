/** Rounds to 4 decimal places (Massive's price precision). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Rounds to 8 decimal places (fractional crypto volumes). */
export function round8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
