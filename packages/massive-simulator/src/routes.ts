/** The API endpoints: each turns a parsed request into a status and a body. No faults, auth or counting here. */
import {
  addDays,
  calendarDateOf,
  civilDateToDayNumber,
  isCivilDate,
  newYorkDate,
  newYorkMidnightUtcMs,
  newYorkTimeToUtcMs,
} from '@tickstock/market-time';
import { resolveBarsRequest, type SimulatedTimespan, SimulatorRequestError } from './bar-request.js';
import { BarColumns, barPage } from './bars.js';
import { dividendsOf, type SimulatedDividendRow } from './dividends.js';
import { marketStatus, upcomingHolidays } from './market.js';
import { SIMULATOR_DEFAULTS } from './options.js';
import type { RenderedPageCache } from './page-cache.js';
import { tickerDetails, tickerListRow, type UniverseTicker } from './reference.js';
import { round4 } from './round.js';
import type { BarSource } from './source.js';
import { splitRows } from './splits.js';
import { aggsBody, aggsBodyOfRows, errorBody, renderRows } from './wire.js';

/** What a route answers. */
export interface RouteResult {
  status: number;
  body: string | Buffer;
  contentType?: string;
  /** Bars in the body (for the counters). */
  bars?: number;
}

/** What routes need from the running simulator. */
export interface RouteContext {
  source: BarSource;
  now: number;
  requestId: string;
  /** `http://host:port` of the simulator, for next_url. */
  origin: string;
  status: string;
  isUnknown(ticker: string): boolean;
  universe: readonly UniverseTicker[];
  /** The universe entry of a ticker, or a synthesized one for a ticker outside it. */
  entryFor(ticker: string): UniverseTicker;
  /** Rendered rows of recent aggregates pages (none kept when absent). */
  pages?: RenderedPageCache;
}

/** Endpoint names used by the counters. */
export type EndpointName =
  | 'aggs'
  | 'prev'
  | 'grouped'
  | 'tickerTypes'
  | 'tickerDetails'
  | 'tickers'
  | 'splits'
  | 'dividends'
  | 'holidays'
  | 'marketStatus'
  | 'openClose'
  | 'unknown';

/** Names the endpoint of a path. */
export function endpointOf(path: string): EndpointName {
  if (/^\/v2\/aggs\/ticker\/[^/]+\/range\//.test(path)) return 'aggs';
  if (/^\/v2\/aggs\/ticker\/[^/]+\/prev$/.test(path)) return 'prev';
  if (path.startsWith('/v2/aggs/grouped/')) return 'grouped';
  // Before ticker details: `types` is the list of type codes, not a ticker.
  if (path === '/v3/reference/tickers/types') return 'tickerTypes';
  if (/^\/v3\/reference\/tickers\/[^/]+$/.test(path)) return 'tickerDetails';
  if (path === '/v3/reference/tickers') return 'tickers';
  if (path === '/v3/reference/splits') return 'splits';
  if (path === '/v3/reference/dividends') return 'dividends';
  if (path === '/v1/marketstatus/upcoming') return 'holidays';
  if (path === '/v1/marketstatus/now') return 'marketStatus';
  if (/^\/v1\/open-close\/[^/]+\/[^/]+$/.test(path)) return 'openClose';
  return 'unknown';
}

/**
 * The ticker a request is about, for the per-ticker counters: the `{ticker}` of aggregates and ticker details
 * (decoded; kept as sent when it is not valid percent-encoding), else undefined.
 */
export function tickerOf(path: string): string | undefined {
  const m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\//.exec(path) ?? /^\/v3\/reference\/tickers\/([^/]+)$/.exec(path);
  const raw = m?.[1];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const json = (status: number, body: string | Buffer, bars?: number): RouteResult =>
  bars === undefined ? { status, body } : { status, body, bars };
const badRequest = (ctx: RouteContext, text: string) => json(400, errorBody('ERROR', ctx.requestId, 'error', text));
const notFound = (ctx: RouteContext, text: string) => json(404, errorBody('NOT_FOUND', ctx.requestId, 'message', text));

function encodeCursor(params: Record<string, string>): string {
  return Buffer.from(new URLSearchParams(params).toString()).toString('base64url');
}

/**
 * The parameters a paged request stands for: its query, or, when it sends a `cursor`, the parameters the cursor
 * carries (which must include `marker` when given); null for a cursor that is not one of ours.
 */
function queryOrCursor(query: URLSearchParams, marker?: string): URLSearchParams | null {
  const cursor = query.get('cursor');
  if (cursor === null) return query;
  const decoded = decodeCursor(cursor);
  if (!decoded || (marker !== undefined && decoded.get(marker) === null)) return null;
  return decoded;
}

function decodeCursor(cursor: string): URLSearchParams | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) return null;
  return new URLSearchParams(Buffer.from(cursor, 'base64url').toString('utf8'));
}

function tickerPath(ticker: string): string {
  return encodeURIComponent(ticker).replace(/%3A/gi, ':');
}

function parseBool(value: string | null, name: string, fallback: boolean): boolean {
  if (value === null) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SimulatorRequestError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function parseLimit(value: string | null, fallback: number, max: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new SimulatorRequestError(`limit must be a positive integer, got ${JSON.stringify(value)}`);
  return Math.min(n, max);
}

/** `/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}` */
function aggs(ctx: RouteContext, segments: string[], query: URLSearchParams): RouteResult {
  const [ticker, , multiplier, timespan, from, to] = segments.slice(3).map((s) => decodeURIComponent(s));
  if (segments.length !== 9 || !ticker || !multiplier || !timespan || !from || !to) {
    return badRequest(ctx, 'expected /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}');
  }
  const params = queryOrCursor(query);
  if (!params) return badRequest(ctx, 'Invalid cursor');
  const adjusted = parseBool(params.get('adjusted'), 'adjusted', true);
  const sort = params.get('sort') ?? 'asc';
  const limit = parseLimit(params.get('limit'), SIMULATOR_DEFAULTS.aggsLimitDefault, SIMULATOR_DEFAULTS.aggsLimitMax);
  if (!/^\d+$/.test(multiplier))
    throw new SimulatorRequestError(`multiplier must be a positive integer, got ${JSON.stringify(multiplier)}`);
  const req = resolveBarsRequest({
    ticker,
    multiplier: Number(multiplier),
    timespan: timespan as SimulatedTimespan,
    from,
    to,
    adjusted,
    sort: sort as 'asc' | 'desc',
  });
  const hasVolume = ctx.source.model(ticker).hasVolume;
  if (ctx.isUnknown(ticker)) {
    return json(
      200,
      aggsBody({ ticker, queryCount: 0, adjusted, status: ctx.status, requestId: ctx.requestId }, new BarColumns(), hasVolume),
      0,
    );
  }
  // Everything the rows depend on: the request as resolved, the page size and the clock (bars exist up to it).
  const key = `${ticker}|${req.multiplier}|${req.timespan}|${req.fromMs}|${req.toMs}|${req.adjusted}|${req.sort}|${limit}|${ctx.now}`;
  let page = ctx.pages?.get(key);
  if (!page) {
    const fresh = barPage(ctx.source, req, ctx.now, limit);
    const rows = renderRows(fresh.bars, hasVolume);
    page = { rows: { bytes: Buffer.from(rows.bytes), count: rows.count }, queryCount: fresh.queryCount };
    if (fresh.nextT !== undefined) page.nextT = fresh.nextT;
    ctx.pages?.set(key, page);
  }
  let nextUrl: string | undefined;
  if (page.nextT !== undefined) {
    const nextFrom = req.sort === 'asc' ? String(page.nextT) : from;
    const nextTo = req.sort === 'asc' ? to : String(page.nextT);
    const c = encodeCursor({ adjusted: String(adjusted), limit: String(limit), sort: req.sort });
    nextUrl = `${ctx.origin}/v2/aggs/ticker/${tickerPath(ticker)}/range/${req.multiplier}/${req.timespan}/${nextFrom}/${nextTo}?cursor=${c}`;
  }
  const env = { ticker, queryCount: page.queryCount, adjusted, status: ctx.status, requestId: ctx.requestId };
  return json(200, aggsBodyOfRows(nextUrl ? { ...env, nextUrl } : env, page.rows), page.rows.count);
}

/**
 * One day's bar per ticker (each on its own calendar), stamped `t`: the very values of the ticker's day bar of that
 * date (`emitDaily` takes them from the same day summary).
 */
function dayRows(
  ctx: RouteContext,
  tickers: readonly string[],
  date: string,
  adjusted: boolean,
  t: number,
): { bars: BarColumns; names: string[] } {
  const bars = new BarColumns();
  const names: string[] = [];
  for (const ticker of tickers) {
    if (ctx.isUnknown(ticker)) continue;
    const model = ctx.source.model(ticker);
    const session = ctx.source.session(model, date);
    if (!session) continue;
    const a = ctx.source.daySummary(model, session, ctx.source.factor(ticker, date, adjusted, ctx.now), ctx.now);
    if (!a) continue;
    bars.push(t, a, 1);
    names.push(ticker);
  }
  return { bars, names };
}

/** The grouped-daily markets and their locales, as in the paths. */
const GROUPED_LOCALES: Readonly<Record<string, string>> = { stocks: 'us', crypto: 'global', fx: 'global' };

/** The market of a grouped-daily path (`stocks`, `crypto`, `fx`), or undefined when the path names none of them. */
export function groupedMarketOf(path: string): string | undefined {
  const m = /^\/v2\/aggs\/grouped\/locale\/([^/]+)\/market\/([^/]+)\/[^/]+$/.exec(path);
  return m && GROUPED_LOCALES[m[2] as string] === m[1] ? m[2] : undefined;
}

/**
 * The `t` of a grouped-daily row, "the end of the aggregate window" in the spec: 16:00 New York for stocks (the end
 * of the regular session, as recorded on regular days; kept on 13:00 early closes too), the last millisecond of the
 * UTC day for forex (the spec's example, `23:59:59.999Z`; forex days are UTC days) and of the New York day for crypto
 * (its day bars are New York days). Every one of them falls on the row's trading date under `tradingDateOfBar`.
 */
function groupedStamp(market: string, date: string): number {
  if (market === 'fx') return (civilDateToDayNumber(date) + 1) * 86_400_000 - 1;
  if (market === 'crypto') return newYorkMidnightUtcMs(addDays(date, 1)) - 1;
  return newYorkTimeToUtcMs(date, 16, 0);
}

/**
 * `/v2/aggs/grouped/locale/us/market/stocks/{date}`, `/v2/aggs/grouped/locale/global/market/crypto/{date}` and
 * `.../global/market/fx/{date}`: every universe ticker of the market with a bar that day, `T` on each row. A day
 * without bars (a holiday, a weekend, the future) is 200 with no `results` key, as the API answers it. Stocks leave
 * OTC tickers out unless `include_otc=true`; their rows then carry `otc: true`.
 */
function grouped(ctx: RouteContext, segments: string[], query: URLSearchParams, path: string): RouteResult {
  const date = segments[7] ?? '';
  const market = groupedMarketOf(path);
  if (segments.length !== 8 || market === undefined) {
    return badRequest(
      ctx,
      'expected /v2/aggs/grouped/locale/us/market/stocks/{date}, /v2/aggs/grouped/locale/global/market/crypto/{date} or /v2/aggs/grouped/locale/global/market/fx/{date}',
    );
  }
  if (!isCivilDate(date)) return badRequest(ctx, `date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const adjusted = parseBool(query.get('adjusted'), 'adjusted', true);
  const includeOtc = market === 'stocks' && parseBool(query.get('include_otc'), 'include_otc', false);
  const entries = ctx.universe.filter((u) => u.market === market || (includeOtc && u.market === 'otc'));
  const { bars, names } = dayRows(
    ctx,
    entries.map((u) => u.ticker),
    date,
    adjusted,
    groupedStamp(market, date),
  );
  const otcTickers = new Set(entries.filter((u) => u.market === 'otc').map((u) => u.ticker));
  const otc = otcTickers.size > 0 ? names.map((n) => otcTickers.has(n)) : undefined;
  const body = aggsBody({ queryCount: bars.length, adjusted, status: ctx.status, requestId: ctx.requestId }, bars, true, names, otc);
  return json(200, body, bars.length);
}

/** `/v2/aggs/ticker/{ticker}/prev` */
function prev(ctx: RouteContext, segments: string[], query: URLSearchParams): RouteResult {
  const ticker = decodeURIComponent(segments[3] ?? '');
  const adjusted = parseBool(query.get('adjusted'), 'adjusted', true);
  const { calendar, assetClass } = ctx.source.model(ticker);
  const day = calendar.previousTradingDay(calendarDateOf(ctx.now, calendar));
  // Forex: the previous UTC day, stamped at its end as grouped daily is (a 16:00 New York stamp would precede a Sunday's session).
  const stamp = assetClass === 'forex' ? groupedStamp('fx', day) : newYorkTimeToUtcMs(day, 16, 0);
  const { bars, names } = dayRows(ctx, [ticker], day, adjusted, stamp);
  const hasVolume = ctx.source.model(ticker).hasVolume;
  const body = aggsBody(
    { ticker, queryCount: bars.length, adjusted, status: ctx.status, requestId: ctx.requestId },
    bars,
    hasVolume,
    names,
  );
  return json(200, body, bars.length);
}

/**
 * `/v1/open-close/{ticker}/{date}`: the flat object the recorded response has (`status`, `from`, `symbol`, `open`,
 * `high`, `low`, `close`, `volume`, `preMarket`, `afterHours`; no `request_id`). Open to close are the day bar's own
 * values (taken from its rendering, so they match `/v2/aggs` to the last digit); `preMarket` is the first extended-hours
 * minute's open and `afterHours` the last one's close, each left out when the day had none. A date without a session
 * (weekend, holiday, before the ticker listed, in the future) or an unknown ticker: 404 `NOT_FOUND` "Data not found.".
 */
function openClose(ctx: RouteContext, segments: string[], query: URLSearchParams): RouteResult {
  const ticker = decodeURIComponent(segments[2] ?? '');
  const date = decodeURIComponent(segments[3] ?? '');
  if (!isCivilDate(date)) return badRequest(ctx, `date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const adjusted = parseBool(query.get('adjusted'), 'adjusted', true);
  const { bars } = dayRows(ctx, [ticker], date, adjusted, newYorkTimeToUtcMs(date, 16, 0));
  const model = ctx.source.model(ticker);
  const session = bars.length === 0 ? null : ctx.source.session(model, date);
  if (!session || session.postMarketClose > ctx.now) return notFound(ctx, 'Data not found.');
  const rendered = JSON.parse(
    aggsBody({ ticker, queryCount: 1, adjusted, status: 'OK', requestId: ctx.requestId }, bars, model.hasVolume).toString(),
  ) as {
    results: { o: number; h: number; l: number; c: number; v?: number }[];
  };
  const day = rendered.results[0];
  if (!day) return notFound(ctx, 'Data not found.');
  const minutes = ctx.source.minutes(model, session, ctx.source.factor(ticker, date, adjusted, ctx.now));
  let preMarket: number | undefined;
  let afterHours: number | undefined;
  for (let i = 0; i < minutes.count; i++) {
    const t = minutes.t[i] as number;
    if (t < session.open && preMarket === undefined) preMarket = round4(minutes.o[i] as number);
    if (t >= session.close) afterHours = round4(minutes.c[i] as number);
  }
  const body = {
    status: 'OK',
    from: date,
    symbol: ticker,
    open: day.o,
    high: day.h,
    low: day.l,
    close: day.c,
    ...(day.v === undefined ? {} : { volume: day.v }),
    ...(afterHours === undefined ? {} : { afterHours }),
    ...(preMarket === undefined ? {} : { preMarket }),
  };
  return json(200, JSON.stringify(body));
}

/** `/v3/reference/tickers/{ticker}` */
function details(ctx: RouteContext, segments: string[]): RouteResult {
  const ticker = decodeURIComponent(segments[3] ?? '');
  if (ctx.isUnknown(ticker)) return notFound(ctx, 'Ticker not found.');
  const results = tickerDetails(ctx.source.seed, ctx.entryFor(ticker), ctx.source.listing(ticker));
  return json(200, `{"results":${JSON.stringify(results)},"status":"OK","request_id":"${ctx.requestId}"}`);
}

const LIST_PARAMS = ['ticker', 'type', 'market', 'exchange', 'active', 'search', 'order', 'limit', 'sort'] as const;

/** `/v3/reference/tickers` with cursor pagination; the cursor carries every parameter plus the last ticker sent. */
function tickers(ctx: RouteContext, query: URLSearchParams): RouteResult {
  const params = queryOrCursor(query, 'page_marker');
  if (!params) return badRequest(ctx, 'Invalid cursor');
  const limit = parseLimit(params.get('limit'), SIMULATOR_DEFAULTS.tickersLimitDefault, SIMULATOR_DEFAULTS.tickersLimitMax);
  const order = params.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') return badRequest(ctx, `order must be asc or desc, got ${JSON.stringify(order)}`);
  const sort = params.get('sort') ?? 'ticker';
  if (sort !== 'ticker' && sort !== 'name')
    return badRequest(ctx, `sort must be ticker or name in the simulator, got ${JSON.stringify(sort)}`);
  const active = parseBool(params.get('active'), 'active', true);
  const market = params.get('market');
  const type = params.get('type');
  const exchange = params.get('exchange');
  const search = params.get('search')?.toLowerCase();
  const exact = params.get('ticker');
  let rows = ctx.universe.filter(
    (u) =>
      active &&
      (!market || u.market === market) &&
      (!type || u.type === type) &&
      (!exchange || u.primaryExchange === exchange) &&
      (!exact || u.ticker === exact) &&
      (!search || u.ticker.toLowerCase().includes(search) || u.name.toLowerCase().includes(search)),
  );
  const keyOf = (u: UniverseTicker) => (sort === 'name' ? `${u.name}\u0000${u.ticker}` : u.ticker);
  rows = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  if (order === 'desc') rows.reverse();
  const marker = params.get('page_marker');
  if (marker !== null) {
    const i = rows.findIndex((u) => keyOf(u) === marker);
    rows = i >= 0 ? rows.slice(i + 1) : [];
  }
  const page = rows.slice(0, limit);
  const lastUpdated = `${newYorkDate(ctx.now)}T00:00:00Z`;
  const results = page.map((u) => tickerListRow(ctx.source.seed, u, lastUpdated));
  let s = `{"results":${JSON.stringify(results)},"status":"OK","request_id":"${ctx.requestId}","count":${results.length}`;
  const last = page[page.length - 1];
  if (rows.length > limit && last) {
    const carried: Record<string, string> = {};
    for (const k of LIST_PARAMS) {
      const v = params.get(k);
      if (v !== null) carried[k] = v;
    }
    Object.assign(carried, { active: String(active), limit: String(limit), order, sort, page_marker: keyOf(last) });
    s += `,"next_url":"${ctx.origin}/v3/reference/tickers?cursor=${encodeCursor(carried)}"`;
  }
  return json(200, `${s}}`);
}

const SPLIT_PARAMS = [
  'ticker',
  'execution_date',
  'execution_date.gte',
  'execution_date.gt',
  'execution_date.lte',
  'execution_date.lt',
  'reverse_split',
  'order',
  'sort',
  'limit',
] as const;

/**
 * `/v3/reference/splits`: the configured splits listed at `now` (from their `announced` date, default the execution
 * date), filtered by `ticker`, `execution_date` (and `.gte/.gt/.lte/.lt`) and `reverse_split`, sorted by `sort`
 * (`execution_date` default, or `ticker`) in `order` (default `desc`; ties by ticker, then date), `limit` default 10,
 * max 1000, and cursor pagination whose cursor carries every parameter plus an offset.
 */
function splits(ctx: RouteContext, query: URLSearchParams): RouteResult {
  const params = queryOrCursor(query, 'offset');
  if (!params) return badRequest(ctx, 'Invalid cursor');
  const limit = parseLimit(params.get('limit'), SIMULATOR_DEFAULTS.splitsLimitDefault, SIMULATOR_DEFAULTS.splitsLimitMax);
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return badRequest(ctx, `order must be asc or desc, got ${JSON.stringify(order)}`);
  const sort = params.get('sort') ?? 'execution_date';
  if (sort !== 'execution_date' && sort !== 'ticker')
    return badRequest(ctx, `sort must be execution_date or ticker, got ${JSON.stringify(sort)}`);
  const bounds: [string, (d: string, b: string) => boolean][] = [
    ['execution_date', (d, b) => d === b],
    ['execution_date.gte', (d, b) => d >= b],
    ['execution_date.gt', (d, b) => d > b],
    ['execution_date.lte', (d, b) => d <= b],
    ['execution_date.lt', (d, b) => d < b],
  ];
  const checks: ((d: string) => boolean)[] = [];
  for (const [name, test] of bounds) {
    const b = params.get(name);
    if (b === null) continue;
    if (!isCivilDate(b)) return badRequest(ctx, `${name} must be YYYY-MM-DD, got ${JSON.stringify(b)}`);
    checks.push((d) => test(d, b));
  }
  const rawReverse = params.get('reverse_split');
  const reverse = rawReverse === null ? undefined : parseBool(rawReverse, 'reverse_split', false);
  const exact = params.get('ticker');
  const rows = splitRows(ctx.source, ctx.now).filter(
    (r) =>
      (!exact || r.ticker === exact) &&
      checks.every((c) => c(r.execution_date)) &&
      (reverse === undefined || reverse === r.split_from > r.split_to),
  );
  const keyOf = (r: { ticker: string; execution_date: string }) =>
    sort === 'ticker' ? `${r.ticker}\u0000${r.execution_date}` : `${r.execution_date}\u0000${r.ticker}`;
  rows.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  if (order === 'desc') rows.reverse();
  return offsetPage(ctx, '/v3/reference/splits', rows, params, SPLIT_PARAMS, { limit, order, sort });
}

const DIVIDEND_PARAMS = [
  'ticker',
  'ex_dividend_date',
  'ex_dividend_date.gte',
  'ex_dividend_date.gt',
  'ex_dividend_date.lte',
  'ex_dividend_date.lt',
  'dividend_type',
  'frequency',
  'order',
  'sort',
  'limit',
] as const;
const DIVIDEND_SORTS = ['ex_dividend_date', 'pay_date', 'declaration_date', 'record_date', 'cash_amount', 'ticker'] as const;
type DividendSort = (typeof DIVIDEND_SORTS)[number];

/**
 * `/v3/reference/dividends`: the universe's dividends declared by "now" (or one ticker's, any ticker but an unknown
 * one), filtered by `ticker`, `ex_dividend_date` (and `.gte/.gt/.lte/.lt`), `dividend_type` and `frequency`, sorted by
 * `sort` (`ex_dividend_date` default, `pay_date`, `declaration_date`, `record_date`, `cash_amount` or `ticker`; ties by
 * ticker, then ex-dividend date) in `order` (default `desc`), `limit` default 10, max 1000, and cursor pagination whose
 * cursor carries every parameter plus an offset (as `/v3/reference/splits`).
 */
function dividends(ctx: RouteContext, query: URLSearchParams): RouteResult {
  const params = queryOrCursor(query, 'offset');
  if (!params) return badRequest(ctx, 'Invalid cursor');
  const limit = parseLimit(params.get('limit'), SIMULATOR_DEFAULTS.dividendsLimitDefault, SIMULATOR_DEFAULTS.dividendsLimitMax);
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return badRequest(ctx, `order must be asc or desc, got ${JSON.stringify(order)}`);
  const sort = (params.get('sort') ?? 'ex_dividend_date') as DividendSort;
  if (!DIVIDEND_SORTS.includes(sort))
    return badRequest(ctx, `sort must be one of ${DIVIDEND_SORTS.join(', ')}, got ${JSON.stringify(sort)}`);
  const bounds: [string, (d: string, b: string) => boolean][] = [
    ['ex_dividend_date', (d, b) => d === b],
    ['ex_dividend_date.gte', (d, b) => d >= b],
    ['ex_dividend_date.gt', (d, b) => d > b],
    ['ex_dividend_date.lte', (d, b) => d <= b],
    ['ex_dividend_date.lt', (d, b) => d < b],
  ];
  const checks: ((r: SimulatedDividendRow) => boolean)[] = [];
  for (const [name, test] of bounds) {
    const b = params.get(name);
    if (b === null) continue;
    if (!isCivilDate(b)) return badRequest(ctx, `${name} must be YYYY-MM-DD, got ${JSON.stringify(b)}`);
    checks.push((r) => test(r.ex_dividend_date, b));
  }
  const type = params.get('dividend_type');
  if (type !== null) checks.push((r) => r.dividend_type === type);
  const frequency = params.get('frequency');
  if (frequency !== null) {
    if (!/^\d+$/.test(frequency)) return badRequest(ctx, `frequency must be a whole number, got ${JSON.stringify(frequency)}`);
    checks.push((r) => r.frequency === Number(frequency));
  }
  const exact = params.get('ticker');
  const entries = exact !== null ? (ctx.isUnknown(exact) ? [] : [ctx.entryFor(exact)]) : ctx.universe;
  const today = newYorkDate(ctx.now);
  const rows: SimulatedDividendRow[] = [];
  for (const entry of entries) {
    const listDate = tickerDetails(ctx.source.seed, entry, ctx.source.listing(entry.ticker)).list_date;
    if (typeof listDate !== 'string') continue;
    for (const r of dividendsOf(ctx.source.seed, entry, listDate, today)) if (checks.every((c) => c(r))) rows.push(r);
  }
  const keyOf = (r: SimulatedDividendRow): string | number => r[sort];
  const cmp = (a: SimulatedDividendRow, b: SimulatedDividendRow): number => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    if (a.ticker !== b.ticker) return a.ticker < b.ticker ? -1 : 1;
    return a.ex_dividend_date < b.ex_dividend_date ? -1 : a.ex_dividend_date > b.ex_dividend_date ? 1 : a.id < b.id ? -1 : 1;
  };
  rows.sort(cmp);
  if (order === 'desc') rows.reverse();
  return offsetPage(ctx, '/v3/reference/dividends', rows, params, DIVIDEND_PARAMS, { limit, order, sort });
}

/** The ticker-type codes the API documents, as `/v3/reference/tickers/types` lists them. */
const TICKER_TYPES: readonly { code: string; description: string; asset_class: string; locale: string }[] = [
  ['CS', 'Common Stock'],
  ['PFD', 'Preferred Stock'],
  ['WARRANT', 'Warrant'],
  ['RIGHT', 'Rights'],
  ['BOND', 'Corporate Bond'],
  ['ETF', 'Exchange Traded Fund'],
  ['ETN', 'Exchange Traded Note'],
  ['ETV', 'Exchange Traded Vehicle'],
  ['SP', 'Structured Product'],
  ['ADRC', 'American Depository Receipt Common'],
  ['ADRP', 'American Depository Receipt Preferred'],
  ['ADRW', 'American Depository Receipt Warrants'],
  ['ADRR', 'American Depository Receipt Rights'],
  ['FUND', 'Fund'],
  ['BASKET', 'Basket'],
  ['UNIT', 'Unit'],
  ['LT', 'Liquidating Trust'],
  ['OS', 'Ordinary Shares'],
  ['GDR', 'Global Depository Receipts'],
  ['OTHER', 'Other Security Type'],
]
  .map(([code, description]) => ({ code: code as string, description: description as string, asset_class: 'stocks', locale: 'us' }))
  .concat([{ code: 'IX', description: 'Index', asset_class: 'indices', locale: 'us' }]);

/** `/v3/reference/tickers/types`, filtered by `asset_class` and `locale`. */
function tickerTypes(ctx: RouteContext, query: URLSearchParams): RouteResult {
  const assetClass = query.get('asset_class');
  const locale = query.get('locale');
  const rows = TICKER_TYPES.filter((t) => (!assetClass || t.asset_class === assetClass) && (!locale || t.locale === locale));
  return json(200, JSON.stringify({ results: rows, status: 'OK', request_id: ctx.requestId, count: rows.length }));
}

/** Routes an API request (path already known not to be `/__sim/`). */
export function route(ctx: RouteContext, path: string, query: URLSearchParams): RouteResult {
  const segments = path.split('/').slice(1);
  try {
    switch (endpointOf(path)) {
      case 'aggs':
        return aggs(ctx, segments, query);
      case 'prev':
        return prev(ctx, segments, query);
      case 'grouped':
        return grouped(ctx, segments, query, path);
      case 'tickerTypes':
        return tickerTypes(ctx, query);
      case 'tickerDetails':
        return details(ctx, segments);
      case 'tickers':
        return tickers(ctx, query);
      case 'splits':
        return splits(ctx, query);
      case 'dividends':
        return dividends(ctx, query);
      case 'holidays':
        return json(200, JSON.stringify(upcomingHolidays(ctx.now)));
      case 'marketStatus':
        return json(200, JSON.stringify(marketStatus(ctx.now)));
      case 'openClose':
        return openClose(ctx, segments, query);
      default:
        return notFound(ctx, 'Not found.');
    }
  } catch (err) {
    if (err instanceof SimulatorRequestError || err instanceof URIError) return badRequest(ctx, err.message);
    throw err;
  }
}

/**
 * One page of an offset-paged reference list (splits, dividends): the rows from `offset` on, at most `limit`, and when
 * more remain a `next_url` whose cursor carries the request's filters (`carry`) with the next offset.
 */
function offsetPage(
  ctx: RouteContext,
  path: string,
  rows: readonly unknown[],
  params: URLSearchParams,
  carry: readonly string[],
  paging: { limit: number; order: string; sort: string },
): RouteResult {
  const { limit, order, sort } = paging;
  const offset = Number(params.get('offset') ?? 0);
  const rest = rows.slice(offset);
  let s = `{"results":${JSON.stringify(rest.slice(0, limit))},"status":"OK","request_id":"${ctx.requestId}"`;
  if (rest.length > limit) {
    const carried: Record<string, string> = {};
    for (const k of carry) {
      const v = params.get(k);
      if (v !== null) carried[k] = v;
    }
    Object.assign(carried, { limit: String(limit), order, sort, offset: String(offset + limit) });
    s += `,"next_url":"${ctx.origin}${path}?cursor=${encodeCursor(carried)}"`;
  }
  return json(200, `${s}}`);
}
