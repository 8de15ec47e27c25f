/**
 * How a grouped-daily pass's day bars reach the symbols that take them, wherever they load. The coordinator puts
 * each symbol's day columns in one Redis hash per job (bytes, not JSON: a year of the S&P 500 is about 9 MB) and
 * keeps no copy; each symbol, on whichever replica, reads its one field when it loads. Queue entries stay small
 * (a plan, no bars), and so does the coordinator.
 *
 * Day bars that cannot be had (the hash expired, Redis lost it) are not an error: the symbol fetches its day bars
 * per ticker instead (see {@link withoutGroupedDays}).
 */
import type { RedisClient } from '@tickstock/job-protocol';
import { DayColumns } from '../engine/day-columns.js';
import type { SuppliedDays, SymbolPlan } from '../engine/types.js';

/** Redis hash of one job's supplied day bars: field = symbol, value = day columns or an error. */
export const suppliedDaysKey = (jobId: string) => `tickstock:exec:days:${jobId}`;

/** Fields written per round trip. */
const WRITE_BATCH = 50;
/** First byte of a field holding an error (JSON after it) rather than day columns. */
const ERROR_MARK = 0xff;

function encode(s: SuppliedDays): Buffer {
  if (s.error) return Buffer.concat([Buffer.from([ERROR_MARK]), Buffer.from(JSON.stringify(s.error), 'utf8')]);
  const bytes = s.days.toBytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decode(bytes: Buffer): SuppliedDays {
  if (bytes[0] === ERROR_MARK) {
    const error = JSON.parse(bytes.subarray(1).toString('utf8')) as { code: unknown; message: unknown };
    return { days: DayColumns.empty, error: { code: String(error.code), message: String(error.message) } };
  }
  return { days: DayColumns.fromBytes(bytes) };
}

export class DayHandoff {
  constructor(
    private readonly redis: RedisClient,
    /** How long the hash outlives its last write when nobody deletes it (a coordinator that died). */
    private readonly ttlSeconds: number,
  ) {}

  /** Hands `days` (symbol → its day bars) on for the job's symbols; resolves once Redis holds them. */
  async put(jobId: string, days: ReadonlyMap<string, SuppliedDays>): Promise<void> {
    if (days.size === 0) return;
    const key = suppliedDaysKey(jobId);
    const entries = [...days];
    for (let i = 0; i < entries.length; i += WRITE_BATCH) {
      const pipeline = this.redis.pipeline();
      for (const [symbol, supplied] of entries.slice(i, i + WRITE_BATCH)) {
        pipeline.hset(key, symbol, encode(supplied));
      }
      pipeline.expire(key, this.ttlSeconds);
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    }
  }

  /**
   * A symbol's day bars, or `undefined` when the job's hash does not have them; rejects when Redis does or the
   * stored bytes are unreadable (the symbol is retried, or fails with the reason).
   */
  async take(jobId: string, symbol: string): Promise<SuppliedDays | undefined> {
    const bytes = await this.redis.hgetBuffer(suppliedDaysKey(jobId), symbol);
    return bytes ? decode(bytes) : undefined;
  }

  /** Deletes the job's day bars (the job is settled). */
  async release(jobId: string): Promise<void> {
    await this.redis.del(suppliedDaysKey(jobId));
  }
}

/** A plan whose day bars were to come from a grouped-daily pass, fetching them per ticker instead. */
export function withoutGroupedDays(plan: SymbolPlan): SymbolPlan {
  if (!plan.steps.some((s) => s.source === 'grouped')) return plan;
  return { ...plan, steps: plan.steps.map((s) => (s.source === 'grouped' ? { ...s, source: 'ticker' as const } : s)) };
}
