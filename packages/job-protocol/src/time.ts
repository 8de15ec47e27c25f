/** Timestamps as this side writes them. */

/** ISO 8601 UTC to the second, as in the contract's examples: `2025-12-23T17:15:14Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO 8601 UTC with milliseconds: `2025-12-23T17:15:14.634Z`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Epoch seconds as a float with millisecond precision: `1766510114.634`. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Epoch seconds as text, always with three decimals: `1766510114.000`. */
export function epochSecondsText(ms: number): string {
  return (Math.round(ms) / 1000).toFixed(3);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
