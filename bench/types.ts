/** One named measurement in bench/results.json. */
export interface BenchMetric {
  name: string;
  value: number;
  unit: string;
}

export interface BenchContext {
  /** A PostgreSQL server URL (a database the bench may create tables in; create your own database to isolate). */
  databaseUrl: string;
  redisUrl: string;
  log(line: string): void;
}

export type BenchFn = (ctx: BenchContext) => Promise<BenchMetric[]>;

/** Median and spread (max - min) of repeated measurements. */
export function summarize(values: number[]): { median: number; min: number; max: number; spread: number } {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number, spread: (s[s.length - 1] as number) - (s[0] as number) };
}

/** Peak resident set size of this process so far, in MB (from the kernel's high-water mark). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
