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

/** Where simulated companies are: city, state, ZIP code. */
const CITIES = [
  ['NEW YORK', 'NY', '10001'],
  ['CUPERTINO', 'CA', '95014'],
  ['SEATTLE', 'WA', '98101'],
  ['AUSTIN', 'TX', '78701'],
  ['CHICAGO', 'IL', '60601'],
  ['BOSTON', 'MA', '02110'],
  ['ATLANTA', 'GA', '30303'],
  ['DENVER', 'CO', '80202'],
] as const;
const STREETS = ['MAIN STREET', 'MARKET STREET', 'PARK AVENUE', 'OAK DRIVE', 'RIVER ROAD', 'INNOVATION WAY'] as const;

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
  });
  const company = entry.type === 'CS';
  const root = entry.ticker.split('.')[0] ?? entry.ticker;
  const site = `www.${root.toLowerCase()}-simulated.example`;
  if (company) {
    const [city, state, zip] = CITIES[hash2(key, 10) % CITIES.length] as (typeof CITIES)[number];
    details.phone_number = `(${200 + (hash2(key, 11) % 800)}) ${digits(hash2(key, 12), 3)}-${digits(hash2(key, 13), 4)}`;
    details.address = {
      address1: `${1 + (hash2(key, 14) % 9999)} ${STREETS[hash2(key, 15) % STREETS.length]}`,
      city,
      state,
      postal_code: zip,
    };
  }
  details.description = `${entry.name} is a simulated company: its prices are synthetic, generated by the TickStock simulator.`;
  if (company) {
    details.sic_code = '3571';
    details.sic_description = 'ELECTRONIC COMPUTERS';
  }
  details.ticker_root = root;
  if (company) {
    details.homepage_url = `https://${site}`;
    details.total_employees = 1000 + (hash2(key, 6) % 200_000);
  }
  details.list_date = listDate ?? synthesizedListDate;
  if (company) {
    // The API's logo paths (`/v1/reference/company-branding/{base64url of the site}/images/...`) on a reserved host
    // (`.invalid`): the simulator serves no images, and bodies stay the same whatever port it listens on.
    const branding = `https://branding.simulator.invalid/v1/reference/company-branding/${Buffer.from(site).toString('base64url')}/images/2022-05-01`;
    details.branding = { logo_url: `${branding}_logo.svg`, icon_url: `${branding}_icon.png` };
  }
  Object.assign(details, {
    share_class_shares_outstanding: shares,
    weighted_shares_outstanding: Math.round(shares * (0.98 + 0.02 * unit(hash2(key, 16)))),
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
