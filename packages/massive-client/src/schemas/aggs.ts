/** Aggregates (bars): custom range, previous close, grouped daily, daily open/close. */
import { z } from 'zod';
import { nextUrlSchema, requestIdSchema, responseStatusSchema } from './common.js';

/**
 * One bar on the wire. Only `t,o,h,l,c` are always present: indices have no `v`/`vw`/`n`, `otc` is left off when
 * false, crypto `v` is fractional. Unknown fields are kept.
 */
export const rawBarSchema = z.looseObject({
  /**
   * Unix ms of the start of the bar's window. Grouped daily and previous close stamp the end instead: 16:00 New York
   * for stocks, 23:59:59.999 UTC for forex grouped daily.
   */
  t: z.number(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number().optional(),
  vw: z.number().optional(),
  n: z.number().optional(),
  otc: z.boolean().optional(),
});

type WireBar = z.infer<typeof rawBarSchema>;

/** Exactly what {@link rawBarSchema} accepts, as a plain check: the fast path for pages of 50,000 bars. */
function isWireBar(value: unknown): value is WireBar {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const b = value as Record<string, unknown>;
  return (
    typeof b.t === 'number' &&
    typeof b.o === 'number' &&
    typeof b.h === 'number' &&
    typeof b.l === 'number' &&
    typeof b.c === 'number' &&
    (b.v === undefined || typeof b.v === 'number') &&
    (b.vw === undefined || typeof b.vw === 'number') &&
    (b.n === undefined || typeof b.n === 'number') &&
    (b.otc === undefined || typeof b.otc === 'boolean')
  );
}

const rawBarArraySchema = z.array(rawBarSchema);

/**
 * A page's `results`. Validating 50,000 bars object by object through zod costs several times the `JSON.parse` of
 * the body, so a plain loop checks the common, valid case; only a list that fails it goes through
 * {@link rawBarSchema}, so every error still carries zod's message and the exact path (`results.41.h`).
 */
export const rawBarsSchema = z.unknown().transform((value, ctx): WireBar[] => {
  if (Array.isArray(value) && value.every(isWireBar)) return value;
  const checked = rawBarArraySchema.safeParse(value);
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
  return z.NEVER;
});

/** A bar with its ticker (`T`), as grouped daily and previous close send them. */
export const rawTickerBarSchema = rawBarSchema.extend({ T: z.string() });

/**
 * `GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`. An empty range has `resultsCount: 0` and
 * no `results` key; indices omit `adjusted` and `resultsCount`.
 */
export const aggsResponseSchema = z.looseObject({
  ticker: z.string().optional(),
  queryCount: z.number().optional(),
  resultsCount: z.number().optional(),
  count: z.number().optional(),
  adjusted: z.boolean().optional(),
  status: responseStatusSchema,
  request_id: requestIdSchema,
  next_url: nextUrlSchema,
  results: rawBarsSchema.optional(),
});

/** `GET /v2/aggs/ticker/{ticker}/prev`: the same envelope, each row carrying `T`. */
export const previousCloseResponseSchema = aggsResponseSchema.extend({ results: z.array(rawTickerBarSchema).optional() });

/**
 * `GET /v2/aggs/grouped/locale/us/market/stocks/{date}` (also `.../global/market/crypto/{date}` and
 * `.../global/market/fx/{date}`): every ticker's day bar, `T` on each row, no top-level `ticker`, no `next_url`. A day
 * without trading has `resultsCount: 0` and no `results` key.
 */
export const groupedDailyResponseSchema = z.looseObject({
  queryCount: z.number().optional(),
  resultsCount: z.number().optional(),
  count: z.number().optional(),
  adjusted: z.boolean().optional(),
  status: responseStatusSchema,
  request_id: requestIdSchema,
  results: z.array(rawTickerBarSchema).optional(),
});

/** `GET /v1/open-close/{ticker}/{date}`: a flat object, no `request_id`. */
export const dailyOpenCloseSchema = z.looseObject({
  status: responseStatusSchema,
  from: z.string(),
  symbol: z.string(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().optional(),
  afterHours: z.number().optional(),
  preMarket: z.number().optional(),
  otc: z.boolean().optional(),
});

export type RawBar = z.infer<typeof rawBarSchema>;
export type RawTickerBar = z.infer<typeof rawTickerBarSchema>;
export type AggsResponse = z.infer<typeof aggsResponseSchema>;
export type GroupedDailyResponse = z.infer<typeof groupedDailyResponseSchema>;
/** Daily open/close of one ticker, with the API's field names. */
export type DailyOpenClose = z.infer<typeof dailyOpenCloseSchema>;
