import { type AssetClass, assetClassOfTicker, calendarForTicker, type MarketCalendar } from '@tickstock/market-time';
import { hash2, hashString, unit } from './random.js';

/** What the simulator derives from a ticker and the seed: its price level, volume level and calendar. */
export interface TickerModel {
  ticker: string;
  /** 32-bit key from seed and ticker: every random number about this ticker derives from it. */
  key: number;
  assetClass: AssetClass;
  calendar: MarketCalendar;
  /** Starting price level (the walk wanders around it). */
  basePrice: number;
  /** Mean volume of a regular-session minute. */
  minuteVolume: number;
  /** 0 (the thinnest) to 1 (the most traded): decides the volume level and, for stocks, the minutes without trades. */
  liquidity: number;
  /** Mean shares per trade (n = v / tradeSize). */
  tradeSize: number;
  /** Daily volatility of log price. */
  dailyVol: number;
  /** Index tickers carry no v, vw or n. */
  hasVolume: boolean;
  /** Crypto volumes are fractional. */
  fractionalVolume: boolean;
  /**
   * Prices are rounded to `1 / priceScale`: 10,000 (4 decimals) for stocks, indices and crypto; forex 100,000
   * (5 decimals, as the recorded C:EURUSD day bar has) or 1,000 for pairs quoted in yen (3 decimals, the pip
   * convention: 1 pip 0.01).
   */
  priceScale: number;
}

/** Levels of common currency pairs (the walk wanders around them); other pairs get one from the seed. */
const FOREX_LEVELS: Readonly<Record<string, number>> = {
  'C:EURUSD': 1.1,
  'C:GBPUSD': 1.28,
  'C:USDJPY': 148,
  'C:AUDUSD': 0.67,
  'C:USDCAD': 1.36,
  'C:USDCHF': 0.88,
  'C:NZDUSD': 0.61,
  'C:EURGBP': 0.86,
  'C:EURJPY': 160,
};

/** A forex pair's quote currency is yen (`C:USDJPY`): priced with 3 decimals, not 5. */
function quotedInYen(ticker: string): boolean {
  return ticker.endsWith('JPY');
}

/** Builds the model of a ticker under a seed (pure: same inputs, same model). */
export function tickerModel(seed: number, ticker: string): TickerModel {
  const key = hash2(seed, hashString(ticker));
  const assetClass = assetClassOfTicker(ticker);
  const u1 = unit(hash2(key, 1));
  const u2 = unit(hash2(key, 2));
  const u3 = unit(hash2(key, 3));
  const crypto = assetClass === 'crypto';
  if (assetClass === 'forex') {
    // Volume is the number of quote updates, so v == n (one "trade" per unit); about 50 to 135 a minute, like the
    // recorded C:EURUSD day (125,329 in a day). Daily volatility 0.3-0.5%.
    const yen = quotedInYen(ticker);
    return {
      ticker,
      key,
      assetClass,
      calendar: calendarForTicker(ticker),
      basePrice: FOREX_LEVELS[ticker] ?? (yen ? 90 + 80 * u1 : 0.5 * 3 ** u1),
      minuteVolume: Math.round(40 + 80 * u2),
      liquidity: u2,
      tradeSize: 1,
      dailyVol: 0.003 + 0.002 * u3,
      hasVolume: true,
      fractionalVolume: false,
      priceScale: yen ? 1_000 : 100_000,
    };
  }
  const basePrice = crypto ? 50 * 2000 ** u1 : assetClass === 'index' ? 1000 * 20 ** u1 : 8 * 60 ** u1; // crypto 50..100k, stocks 8..480
  return {
    ticker,
    key,
    assetClass,
    calendar: calendarForTicker(ticker),
    basePrice,
    minuteVolume: crypto ? 2 + 40 * u2 : Math.round(2_000 + 60_000 * u2 * u2),
    liquidity: u2,
    tradeSize: crypto ? 0.05 + 0.5 * u3 : 40 + 160 * u3,
    dailyVol: crypto ? 0.03 : 0.008 + 0.012 * u3,
    hasVolume: assetClass !== 'index',
    fractionalVolume: crypto,
    priceScale: 10_000,
  };
}
