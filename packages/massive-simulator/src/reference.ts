/** The simulated reference data: a ticker universe, ticker details and the paginated ticker list. */
import { assetClassOfTicker } from '@tickstock/market-time';
import type { SimulatedTickerInfo } from './options.js';
import { hash2, hashString, unit } from './random.js';

/** The built-in universe: common US stocks and ETFs, two indices and two crypto pairs. */
export const DEFAULT_TICKERS: readonly SimulatedTickerInfo[] = [
  ['AAPL', 'Apple Inc.', 'CS', 'XNAS'],
  ['ABBV', 'AbbVie Inc.', 'CS', 'XNYS'],
  ['ADBE', 'Adobe Inc.', 'CS', 'XNAS'],
  ['AMD', 'Advanced Micro Devices, Inc.', 'CS', 'XNAS'],
  ['AMZN', 'Amazon.com, Inc.', 'CS', 'XNAS'],
  ['AVGO', 'Broadcom Inc.', 'CS', 'XNAS'],
  ['BAC', 'Bank of America Corporation', 'CS', 'XNYS'],
  ['BRK.B', 'Berkshire Hathaway Inc. Class B', 'CS', 'XNYS'],
  ['COST', 'Costco Wholesale Corporation', 'CS', 'XNAS'],
  ['CRM', 'Salesforce, Inc.', 'CS', 'XNYS'],
  ['CSCO', 'Cisco Systems, Inc.', 'CS', 'XNAS'],
  ['CVX', 'Chevron Corporation', 'CS', 'XNYS'],
  ['DIA', 'SPDR Dow Jones Industrial Average ETF Trust', 'ETF', 'ARCX'],
  ['GOOGL', 'Alphabet Inc. Class A', 'CS', 'XNAS'],
  ['HD', 'The Home Depot, Inc.', 'CS', 'XNYS'],
  ['IWM', 'iShares Russell 2000 ETF', 'ETF', 'ARCX'],
  ['JNJ', 'Johnson & Johnson', 'CS', 'XNYS'],
  ['JPM', 'JPMorgan Chase & Co.', 'CS', 'XNYS'],
  ['KO', 'The Coca-Cola Company', 'CS', 'XNYS'],
  ['LLY', 'Eli Lilly and Company', 'CS', 'XNYS'],
  ['MA', 'Mastercard Incorporated', 'CS', 'XNYS'],
  ['META', 'Meta Platforms, Inc.', 'CS', 'XNAS'],
  ['MRK', 'Merck & Co., Inc.', 'CS', 'XNYS'],
  ['MSFT', 'Microsoft Corporation', 'CS', 'XNAS'],
  ['NFLX', 'Netflix, Inc.', 'CS', 'XNAS'],
  ['NVDA', 'NVIDIA Corporation', 'CS', 'XNAS'],
  ['ORCL', 'Oracle Corporation', 'CS', 'XNYS'],
  ['PEP', 'PepsiCo, Inc.', 'CS', 'XNAS'],
  ['PG', 'The Procter & Gamble Company', 'CS', 'XNYS'],
  ['QQQ', 'Invesco QQQ Trust, Series 1', 'ETF', 'XNAS'],
  ['SPY', 'SPDR S&P 500 ETF Trust', 'ETF', 'ARCX'],
  ['TSLA', 'Tesla, Inc.', 'CS', 'XNAS'],
  ['UNH', 'UnitedHealth Group Incorporated', 'CS', 'XNYS'],
  ['V', 'Visa Inc.', 'CS', 'XNYS'],
  ['WMT', 'Walmart Inc.', 'CS', 'XNYS'],
  ['XOM', 'Exxon Mobil Corporation', 'CS', 'XNYS'],
  ['I:NDX', 'Nasdaq-100', 'INDEX', ''],
  ['I:SPX', 'Standard & Poor\u2019s 500', 'INDEX', ''],
  ['X:BTCUSD', 'Bitcoin - United States dollar', 'CRYPTO', ''],
  ['X:ETHUSD', 'Ethereum - United States dollar', 'CRYPTO', ''],
].map(([ticker, name, type, primaryExchange]) => ({ ticker, name, type, primaryExchange }) as SimulatedTickerInfo);

/** A universe entry with every default filled in. */
export interface UniverseTicker {
  ticker: string;
  name: string;
  type: string;
  market: 'stocks' | 'indices' | 'crypto' | 'fx' | 'otc';
  locale: 'us' | 'global';
  primaryExchange?: string;
}

/** Fills the defaults of a universe entry (or a bare ticker). */
export function universeTicker(entry: SimulatedTickerInfo | string): UniverseTicker {
  const info = typeof entry === 'string' ? { ticker: entry, name: '' } : entry;
  const cls = assetClassOfTicker(info.ticker);
  const stockMarket = typeof entry !== 'string' && entry.otc === true ? 'otc' : 'stocks';
  const market = cls === 'crypto' ? 'crypto' : cls === 'forex' ? 'fx' : cls === 'index' ? 'indices' : stockMarket;
  const type = info.type ?? (cls === 'crypto' ? 'CRYPTO' : cls === 'index' ? 'INDEX' : cls === 'forex' ? 'FX' : 'CS');
  const out: UniverseTicker = {
    ticker: info.ticker,
    name: info.name || `${info.ticker} Simulated Holdings Inc.`,
    type,
    market,
    locale: market === 'crypto' || market === 'fx' ? 'global' : 'us',
  };
  const exchange = info.primaryExchange ?? (market === 'stocks' ? (hashString(info.ticker) % 2 ? 'XNYS' : 'XNAS') : '');
  if (exchange) out.primaryExchange = exchange;
  return out;
}

function digits(key: number, n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += String(hash2(key, i) % 1_000_000).padStart(6, '0');
  return s.slice(0, n);
}

function figi(key: number): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXYZ0123456789';
  let s = 'BBG';
  for (let i = 0; i < 9; i++) s += alphabet[hash2(key, 100 + i) % alphabet.length];
  return s;
}

/**
 * Ticker details (`results` of `/v3/reference/tickers/{ticker}`), synthesized deterministically; `listDate` (the
 * `listings` option) replaces the synthesized `list_date`.
 */
export function tickerDetails(seed: number, entry: UniverseTicker, listDate?: string): Record<string, unknown> {
  const key = hash2(seed, hashString(`details:${entry.ticker}`));
  const base: Record<string, unknown> = {
    ticker: entry.ticker,
    name: entry.name,
    market: entry.market,
    locale: entry.locale,
  };
  if (entry.market === 'crypto') {
    const sym = entry.ticker.slice(2, -3);
    return {
      ...base,
      active: true,
      currency_symbol: 'USD',
      currency_name: 'United States dollar',
      base_currency_symbol: sym,
      base_currency_name: sym,
    };
  }
  if (entry.market === 'indices') return { ...base, type: 'INDEX', active: true, source_feed: 'SIMULATED' };
  const shares = Math.round(1e8 + 1e10 * unit(hash2(key, 1)));
  const listYear = 1980 + (hash2(key, 2) % 40);
  const synthesizedListDate = `${listYear}-${String(1 + (hash2(key, 3) % 12)).padStart(2, '0')}-${String(1 + (hash2(key, 4) % 28)).padStart(2, '0')}`;
  const details: Record<string, unknown> = { ...base };
  if (entry.primaryExchange) details.primary_exchange = entry.primaryExchange;
  // In the order the real API sends them.
  Object.assign(details, {
    type: entry.type,
    active: true,
    currency_name: 'usd',
    cik: digits(key, 10),
    composite_figi: figi(key),
    share_class_figi: figi(hash2(key, 9)),
    market_cap: Math.round(shares * (10 + 300 * unit(hash2(key, 5)))),
    description: `${entry.name} is a simulated company: its prices are synthetic, generated by the TickStock simulator.`,
  });
  if (entry.type === 'CS') {
    details.sic_code = '3571';
    details.sic_description = 'ELECTRONIC COMPUTERS';
  }
  details.ticker_root = entry.ticker.split('.')[0];
  if (entry.type === 'CS') details.total_employees = 1000 + (hash2(key, 6) % 200_000);
  Object.assign(details, {
    list_date: listDate ?? synthesizedListDate,
    share_class_shares_outstanding: shares,
    weighted_shares_outstanding: shares,
    round_lot: 100,
  });
  return details;
}

/** A row of the ticker list. */
export function tickerListRow(seed: number, entry: UniverseTicker, lastUpdated: string): Record<string, unknown> {
  const d = tickerDetails(seed, entry);
  const row: Record<string, unknown> = { ticker: d.ticker, name: d.name, market: d.market, locale: d.locale };
  for (const k of [
    'primary_exchange',
    'type',
    'active',
    'currency_name',
    'currency_symbol',
    'base_currency_symbol',
    'base_currency_name',
    'cik',
    'composite_figi',
    'share_class_figi',
  ]) {
    if (d[k] !== undefined) row[k] = d[k];
  }
  row.last_updated_utc = lastUpdated;
  return row;
}
