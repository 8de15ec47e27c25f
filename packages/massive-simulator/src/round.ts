/** Rounds to 4 decimal places (Massive's price precision). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Rounds a price to `1 / scale` (scale 10,000: 4 decimals, stocks and crypto; 100,000: 5, forex; 1,000: 3, JPY pairs). */
export function roundPrice(x: number, scale: number): number {
  return Math.round(x * scale) / scale;
}

/** Rounds to 8 decimal places (fractional crypto volumes). */
export function round8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
