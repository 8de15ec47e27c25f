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
}

/** Builds the model of a ticker under a seed (pure: same inputs, same model). */
export function tickerModel(seed: number, ticker: string): TickerModel {
  const key = hash2(seed, hashString(ticker));
  const assetClass = assetClassOfTicker(ticker);
  const u1 = unit(hash2(key, 1));
  const u2 = unit(hash2(key, 2));
  const u3 = unit(hash2(key, 3));
  const crypto = assetClass === 'crypto';
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
  };
}
