/**
 * Where the simulator's bars come from: per-day minute data (cached) and per-day summaries, under one set of
 * generation options. Pure apart from caching: the same options give the same numbers in every process.
 */
import { type CivilDate, civilDateToDayNumber, isCivilDate, newYorkDate, type TradingSession } from '@tickstock/market-time';
import { type DayMinutes, type FactorRange, generateDayMinutes, type MinuteGaps, NO_GAPS, summarizeDayMinutes } from './minutes.js';
import { hash2, seedValue, unit } from './random.js';
import { round4 } from './round.js';
import { type TickerModel, tickerModel } from './ticker-model.js';

/**
 * A stock split: from `date` (its execution date) on, one old share is `ratio` new ones (a 4-for-1 split has ratio 4,
 * a 1-for-10 reverse split 0.1). Adjusted bars of earlier dates are re-scaled from the moment the simulator's `now`
 * reaches `date` (00:00 New York); `/v3/reference/splits` lists it from `announced` on (default: `date`).
 */
export interface SimulatedSplit {
  date: CivilDate;
  ratio: number;
  /** The New York date from which `/v3/reference/splits` lists the split (on or before `date`; default `date`). */
  announced?: CivilDate;
}

/** The options that decide which bars exist and what they hold. */
export interface GenerationOptions {
  /** Seed of every random number (default 1). */
  seed?: number | string;
  /**
   * Minutes left without a bar, as when nothing trades. `'auto'` (the default): thin trading as recorded (an AAPL
   * hour-bar day of 835 minutes, not 960), per stock or ETF from its liquidity: 20% (the most liquid) to 65% of
   * extended-hours minutes and up to 8% of regular ones; crypto, forex and indices trade every minute. A number (0-1):
   * that fraction of every ticker's extended-hours minutes and none of its regular ones; `0` turns gaps off.
   */
  gapRate?: number | 'auto';
  /** Splits per ticker; `adjusted=false` requests see unadjusted prices and volumes before each split. */
  splits?: Record<string, readonly SimulatedSplit[]>;
  /**
   * Listing dates per ticker, e.g. `{ NEWCO: '2025-09-15' }`: no bar of any timespan (nor a grouped-daily row or a
   * previous close) before that New York date, and ticker details report it as `list_date`. Default: none (every
   * ticker trades on every trading day of its calendar, its details carrying a synthesized `list_date`).
   */
  listings?: Record<string, CivilDate>;
  /**
   * Trading days without a single trade, per ticker (a thinly traded ticker): no bar of any timespan that day, no
   * grouped-daily row, no previous close. Either a fraction (0-1) of the ticker's trading days, picked from the seed
   * (`{ THIN: 0.2 }`), or the dates themselves (`{ THIN: ['2025-09-16', '2025-09-18'] }`). Default: none.
   */
  missingDays?: Record<string, number | readonly CivilDate[]>;
}

/** Sums of one span of minutes: the pieces of an aggregate bar. */
export interface Aggregate {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  /** Sum of vw x v over the minutes. */
  vwv: number;
  n: number;
  /** Minutes aggregated. */
  minutes: number;
  /**
   * Price scale relative to the generated prices (a split factor over the ticker's lowest one; absent or 1 without
   * splits): the vwap is rounded on the generated scale, then scaled, so it scales exactly like the other prices.
   */
  k?: number;
}

const MINUTE_CACHE_SIZE = 400;
/** Mixed into a ticker's key to decide its missing days (`missingDays` fractions). */
const MISSING_DAY_SALT = 0x5d1a7;
/** Day summaries kept (about 170 bytes each): 200,000 is 160 tickers x 5 years. */
const SUMMARY_CACHE_SIZE = 200_000;

/** Generates and caches minute data and day summaries for one set of generation options. */
export class BarSource {
  readonly seed: number;
  readonly gapRate: number | 'auto';
  private readonly splits: Record<string, readonly SimulatedSplit[]>;
  private readonly listings = new Map<string, CivilDate>();
  private readonly missingFractions = new Map<string, number>();
  private readonly missingDates = new Map<string, ReadonlySet<CivilDate>>();
  private readonly models = new Map<string, TickerModel>();
  private readonly ranges = new Map<string, FactorRange>();
  private lastNow = Number.NaN;
  private lastToday = '';
  private readonly minuteCache = new Map<string, DayMinutes>();
  /** Day summaries by `model key:factor`, then by date (no key string built per day on the hot path). */
  private readonly summaryCache = new Map<number | string, Map<CivilDate, Aggregate | null>>();
  private summaryCount = 0;

  constructor(options: GenerationOptions = {}) {
    this.seed = seedValue(options.seed ?? 1);
    this.gapRate = options.gapRate ?? 'auto';
    if (this.gapRate !== 'auto' && !(this.gapRate >= 0 && this.gapRate < 1))
      throw new RangeError(`gapRate must be 'auto' or in [0, 1): ${options.gapRate}`);
    this.splits = options.splits ?? {};
    for (const [ticker, list] of Object.entries(this.splits)) {
      for (const s of list) {
        if (typeof s.date !== 'string' || !isCivilDate(s.date))
          throw new RangeError(`splits.${ticker}: date must be YYYY-MM-DD, got ${JSON.stringify(s.date)}`);
        if (!(s.ratio > 0)) throw new RangeError(`splits.${ticker}: ratio must be positive: ${s.ratio}`);
        if (s.announced !== undefined && (typeof s.announced !== 'string' || !isCivilDate(s.announced) || s.announced > s.date))
          throw new RangeError(
            `splits.${ticker}: announced must be a YYYY-MM-DD date on or before ${s.date}, got ${JSON.stringify(s.announced)}`,
          );
      }
      if (new Set(list.map((x) => x.date)).size !== list.length) throw new RangeError(`splits.${ticker}: two splits on one date`);
      // Every factor a bar can be served at is a product of the ratios of the splits after some date.
      let f = 1;
      const range = { min: 1, max: 1 };
      for (const x of [...list].sort((a, b) => (a.date < b.date ? 1 : -1))) {
        f *= x.ratio;
        range.min = Math.min(range.min, f);
        range.max = Math.max(range.max, f);
      }
      this.ranges.set(ticker, range);
    }
    for (const [ticker, date] of Object.entries(options.listings ?? {})) {
      if (typeof date !== 'string' || !isCivilDate(date))
        throw new RangeError(`listings.${ticker} must be a YYYY-MM-DD date, got ${JSON.stringify(date)}`);
      this.listings.set(ticker, date);
    }
    for (const [ticker, spec] of Object.entries(options.missingDays ?? {})) {
      if (typeof spec === 'number') {
        if (!(spec >= 0 && spec <= 1)) throw new RangeError(`missingDays.${ticker} must be a fraction in [0, 1], got ${spec}`);
        if (spec > 0) this.missingFractions.set(ticker, spec);
      } else if (Array.isArray(spec)) {
        for (const d of spec) {
          if (typeof d !== 'string' || !isCivilDate(d))
            throw new RangeError(`missingDays.${ticker}: every date must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
        }
        if (spec.length > 0) this.missingDates.set(ticker, new Set(spec));
      } else {
        throw new RangeError(`missingDays.${ticker} must be a fraction or a list of YYYY-MM-DD dates, got ${JSON.stringify(spec)}`);
      }
    }
  }

  /**
   * The session of `date` when the ticker trades that day, else null: not a trading day of its calendar, before its
   * listing date, or one of its missing days. Every bar (minute to year, grouped daily, previous close) starts here.
   */
  session(model: TickerModel, date: CivilDate): TradingSession | null {
    const session = model.calendar.session(date);
    if (!session || !this.tradesOn(model, date)) return null;
    return session;
  }

  /** False when `date` is before the ticker's listing date or one of its missing days (the calendar aside). */
  private tradesOn(model: TickerModel, date: CivilDate): boolean {
    const listed = this.listings.get(model.ticker);
    if (listed !== undefined && date < listed) return false;
    if (this.missingDates.get(model.ticker)?.has(date)) return false;
    const fraction = this.missingFractions.get(model.ticker);
    return fraction === undefined || unit(hash2(hash2(model.key, MISSING_DAY_SALT), civilDateToDayNumber(date))) >= fraction;
  }

  /** The listing date configured for a ticker (`listings`), if any. */
  listing(ticker: string): CivilDate | undefined {
    return this.listings.get(ticker);
  }

  model(ticker: string): TickerModel {
    let m = this.models.get(ticker);
    if (!m) {
      m = tickerModel(this.seed, ticker);
      this.models.set(ticker, m);
    }
    return m;
  }

  /**
   * Price factor of data on `date` relative to the fully adjusted scale (volumes are divided by it): the product of
   * the ratios of later splits, for adjusted data only of those not yet executed at `now` (the adjustment is applied
   * overnight: from 00:00 New York of the execution date, pre-market included, earlier bars are re-scaled).
   */
  factor(ticker: string, date: CivilDate, adjusted: boolean, now: number): number {
    const list = this.splits[ticker];
    if (!list || list.length === 0) return 1;
    const today = adjusted ? this.today(now) : '';
    let f = 1;
    for (const s of list) if (s.date > date && s.date > today) f *= s.ratio;
    return f;
  }

  /** The New York date of `now` (memoized: asked once per day of a request). */
  private today(now: number): CivilDate {
    if (now !== this.lastNow) {
      this.lastNow = now;
      this.lastToday = newYorkDate(now);
    }
    return this.lastToday;
  }

  /** The splits of every ticker listed at `now` (announced on or before its New York date). */
  listedSplits(now: number): { ticker: string; split: SimulatedSplit }[] {
    const today = this.today(now);
    const out: { ticker: string; split: SimulatedSplit }[] = [];
    for (const [ticker, list] of Object.entries(this.splits)) {
      for (const split of list) if ((split.announced ?? split.date) <= today) out.push({ ticker, split });
    }
    return out;
  }

  /** The shares of a ticker's minutes without a bar (see `gapRate`). */
  gaps(model: TickerModel): MinuteGaps {
    if (this.gapRate !== 'auto') return this.gapRate === 0 ? NO_GAPS : { extended: this.gapRate, regular: 0 };
    if (model.assetClass !== 'stock' && model.assetClass !== 'etf') return NO_GAPS;
    const thin = 1 - model.liquidity;
    return { extended: 0.2 + 0.45 * thin, regular: 0.08 * thin ** 3 };
  }

  /** The minute bars of `date` (the whole session, before any cut-off at "now"). */
  minutes(model: TickerModel, session: TradingSession, factor: number): DayMinutes {
    const key = `${model.key}:${session.date}:${factor}`;
    const hit = this.minuteCache.get(key);
    if (hit) {
      this.minuteCache.delete(key);
      this.minuteCache.set(key, hit);
      return hit;
    }
    const dm = generateDayMinutes(
      model,
      session.date,
      { start: session.preMarketOpen, end: session.postMarketClose, open: session.open, close: session.close },
      factor,
      this.gaps(model),
      this.ranges.get(model.ticker),
    );
    this.minuteCache.set(key, dm);
    if (this.minuteCache.size > MINUTE_CACHE_SIZE) {
      const oldest = this.minuteCache.keys().next().value;
      if (oldest !== undefined) this.minuteCache.delete(oldest);
    }
    return dm;
  }

  /** Aggregate of a day's minutes that ended by `now`, or null when none did. */
  daySummary(model: TickerModel, session: TradingSession, factor: number, now: number): Aggregate | null {
    if (session.postMarketClose > now) {
      const dm = this.minutes(model, session, factor);
      return aggregateMinutes(dm, 0, existingMinutes(dm, now), model.fractionalVolume);
    }
    const seriesKey = factor === 1 ? model.key : `${model.key}:${factor}`;
    let series = this.summaryCache.get(seriesKey);
    const hit = series?.get(session.date);
    if (hit !== undefined) return hit;
    // A whole past day: aggregate while generating, without storing (or caching) its minutes.
    const window = { start: session.preMarketOpen, end: session.postMarketClose, open: session.open, close: session.close };
    const agg = summarizeDayMinutes(model, session.date, window, factor, this.gaps(model), this.ranges.get(model.ticker));
    if (this.summaryCount >= SUMMARY_CACHE_SIZE) {
      // Full: start over rather than track recency per day (a run that outgrows it regenerates what it asks again).
      this.summaryCache.clear();
      this.summaryCount = 0;
      series = undefined;
    }
    if (!series) {
      series = new Map();
      this.summaryCache.set(seriesKey, series);
    }
    series.set(session.date, agg);
    this.summaryCount++;
    return agg;
  }
}

/** How many of a day's minutes had ended by `now` (minutes are ascending). */
export function existingMinutes(dm: DayMinutes, now: number): number {
  const { t, count } = dm;
  if (count === 0 || (t[count - 1] as number) + 60_000 <= now) return count;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) + 60_000 <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Aggregates minutes [from, to) of a day, or null when the span is empty. */
export function aggregateMinutes(dm: DayMinutes, from: number, to: number, fractional: boolean): Aggregate | null {
  if (to <= from) return null;
  let h = -Infinity;
  let l = Infinity;
  let v = 0;
  let vwv = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const hi = dm.h[i] as number;
    const lo = dm.l[i] as number;
    if (hi > h) h = hi;
    if (lo < l) l = lo;
    const vol = dm.v[i] as number;
    v += vol;
    vwv += (dm.vw[i] as number) * vol;
    n += dm.n[i] as number;
  }
  const c = dm.c[to - 1] as number;
  return { o: dm.o[from] as number, h, l, c, v: fractional ? round4(v) : v, vwv, n, minutes: to - from, k: dm.k };
}

/** The volume-weighted price of an aggregate, rounded and kept within [l, h]. */
export function vwapOf(a: Aggregate): number {
  const k = a.k ?? 1;
  if (a.v <= 0) return k === 1 ? round4((a.o + a.c) / 2) : round4(round4((a.o + a.c) / 2 / k) * k);
  const vw = k === 1 ? round4(a.vwv / a.v) : round4(round4(a.vwv / a.v / k) * k);
  return Math.min(Math.max(vw, a.l), a.h);
}

const sources = new Map<string, BarSource>();

/** A shared source for these generation options (so repeated pure calls reuse the caches). */
export function sharedBarSource(options: GenerationOptions = {}): BarSource {
  const key = JSON.stringify([
    options.seed ?? 1,
    options.gapRate ?? 'auto',
    options.splits ?? {},
    options.listings ?? {},
    options.missingDays ?? {},
  ]);
  let s = sources.get(key);
  if (!s) {
    s = new BarSource(options);
    if (sources.size >= 8) {
      const oldest = sources.keys().next().value;
      if (oldest !== undefined) sources.delete(oldest);
    }
    sources.set(key, s);
  }
  return s;
}
