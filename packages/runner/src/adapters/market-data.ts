/** The engine's market-data port over `MassiveClient`. */
import type { Bar, CivilDate } from '@tickstock/market-time';
import { type GroupedMarket, isMassiveError, MAX_SPLITS_LIMIT, type MassiveClient, type TickerBar } from '@tickstock/massive-client';
import type { ListedSplit, MarketDataPort, SymbolMeta, TimeframeRange } from '../engine/types.js';
import { API_TIMESPAN } from './timeframes.js';

export class MassiveMarketData implements MarketDataPort {
  constructor(private readonly client: MassiveClient) {}

  async details(symbol: string, signal: AbortSignal): Promise<SymbolMeta | null> {
    try {
      const d = await this.client.getTickerDetails(symbol, { signal });
      return {
        symbol,
        name: d.name ?? null,
        exchange: d.primary_exchange ?? null,
        market: d.market ?? null,
        locale: d.locale ?? null,
        type: d.type ?? null,
        active: d.active ?? null,
        currencyName: d.currency_name ?? null,
        cik: d.cik ?? null,
        compositeFigi: d.composite_figi ?? null,
        shareClassFigi: d.share_class_figi ?? null,
        sicCode: d.sic_code ?? null,
        sicDescription: d.sic_description ?? null,
        listDate: d.list_date ?? null,
        marketCap: d.market_cap ?? null,
        currencySymbol: d.currency_symbol ?? null,
        weightedSharesOutstanding: d.weighted_shares_outstanding ?? null,
        // Kept only when it is a time (the store refuses anything else rather than guess).
        lastUpdatedUtc: d.last_updated_utc && Number.isFinite(Date.parse(d.last_updated_utc)) ? d.last_updated_utc : null,
      };
    } catch (error) {
      if (isMassiveError(error) && error.code === 'SYMBOL_NOT_FOUND') return null;
      throw error;
    }
  }

  bars(symbol: string, range: TimeframeRange, signal: AbortSignal): AsyncIterable<Bar> {
    return this.client.listBars({
      ticker: symbol,
      multiplier: 1,
      timespan: API_TIMESPAN[range.timeframe],
      from: range.from,
      to: range.to,
      adjusted: true,
      sort: 'asc',
      limit: 50_000,
      signal,
    });
  }

  async splits(from: CivilDate, to: CivilDate, signal: AbortSignal): Promise<{ splits: ListedSplit[]; requests: number }> {
    const splits: ListedSplit[] = [];
    for await (const s of this.client.listSplits({ executionDateGte: from, executionDateLte: to, signal })) {
      splits.push({ ticker: s.ticker, executionDate: s.execution_date, splitFrom: s.split_from, splitTo: s.split_to, id: s.id });
    }
    // One request, and one more per further page (the client asks for the largest page).
    return { splits, requests: Math.max(1, Math.ceil(splits.length / MAX_SPLITS_LIMIT)) };
  }

  groupedDaily(market: GroupedMarket, date: CivilDate, includeOtc: boolean, signal: AbortSignal): Promise<TickerBar[]> {
    return this.client.getGroupedDaily(date, { market, adjusted: true, ...(includeOtc ? { includeOtc: true } : {}), signal });
  }
}
