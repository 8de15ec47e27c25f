import { describe, expect, it } from 'vitest';
import { assetClassOfTicker, calendarForTicker, cryptoCalendar, nyseCalendar } from '../src/index.js';

describe('cryptoCalendar', () => {
  it('trades every day, including weekends and NYSE holidays', () => {
    expect(cryptoCalendar.tradingDays('2025-12-24', '2025-12-28')).toEqual([
      '2025-12-24',
      '2025-12-25',
      '2025-12-26',
      '2025-12-27',
      '2025-12-28',
    ]);
    expect(cryptoCalendar.tradingDays('2025-01-01', '2025-12-31')).toHaveLength(365);
    expect(cryptoCalendar.holidays(2025)).toEqual([]);
  });
  it('sessions run from New York midnight to the next New York midnight (23 h on the spring-forward day)', () => {
    expect(cryptoCalendar.session('2025-03-09')).toEqual({
      date: '2025-03-09',
      preMarketOpen: Date.parse('2025-03-09T05:00:00Z'),
      open: Date.parse('2025-03-09T05:00:00Z'),
      close: Date.parse('2025-03-10T04:00:00Z'),
      postMarketClose: Date.parse('2025-03-10T04:00:00Z'),
      earlyClose: false,
    });
  });
  it('steps one day at a time', () => {
    expect(cryptoCalendar.nextTradingDay('2025-12-31')).toBe('2026-01-01');
    expect(cryptoCalendar.previousTradingDay('2025-03-01')).toBe('2025-02-28');
  });
});

describe('asset classes by ticker', () => {
  it('reads the prefix', () => {
    expect(['AAPL', 'X:BTCUSD', 'C:EURUSD', 'I:NDX', 'O:SPY251219C00650000', 'BRK.B'].map(assetClassOfTicker)).toEqual([
      'stock',
      'crypto',
      'forex',
      'index',
      'option',
      'stock',
    ]);
  });
  it('picks the crypto calendar for X: tickers and the NYSE otherwise', () => {
    expect(calendarForTicker('X:ETHUSD')).toBe(cryptoCalendar);
    expect(calendarForTicker('SPY')).toBe(nyseCalendar);
    expect(calendarForTicker('I:SPX').name).toBe('nyse');
  });
});
