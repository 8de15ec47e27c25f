/** The engine's market-data port over `MassiveClient`. */
import type { Bar, CivilDate } from '@tickstock/market-time';
import { type GroupedMarket, isMassiveError, type ListBarsParams, type MassiveClient, type TickerBar } from '@tickstock/massive-client';
import type { BarsPage, ListedSplit, MarketDataPort, SymbolMeta, TimeframeRange } from '../engine/types.js';
import { API_TIMESPAN } from './timeframes.js';

/** Bars per page the runner asks for: the API's largest page. */
export const BARS_PAGE_SIZE = 50_000;

/** One range of one ticker as the client asks for it: ascending, adjusted, pages of `pageSize` bars. */
function barsParams(symbol: string, range: TimeframeRange, signal: AbortSignal, pageSize: number): ListBarsParams {
  return {
    ticker: symbol,
    multiplier: 1,
    timespan: API_TIMESPAN[range.timeframe],
    from: range.from,
    to: range.to,
    adjusted: true,
    sort: 'asc',
    limit: pageSize,
    signal,
  };
}

/** Options of {@link MassiveMarketData}. */
export interface MassiveMarketDataOptions {
  /** Bars per page (the request's `limit`); default {@link BARS_PAGE_SIZE}, the API's largest. */
  pageSize?: number;
}

export class MassiveMarketData implements MarketDataPort {
  private readonly pageSize: number;

  constructor(
    private readonly client: MassiveClient,
    options: MassiveMarketDataOptions = {},
  ) {
    this.pageSize = options.pageSize ?? BARS_PAGE_SIZE;
  }

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
    return this.client.listBars(barsParams(symbol, range, signal, this.pageSize));
  }

  /** The client's `BarPage`s: each page's bars as one array, with its key-free `cursor`. */
  barPages(symbol: string, range: TimeframeRange, signal: AbortSignal, cursor?: string): AsyncIterable<BarsPage> {
    return this.client.listBarPages(barsParams(symbol, range, signal, this.pageSize), cursor === undefined ? {} : { cursor });
  }

  async splits(from: CivilDate, to: CivilDate, signal: AbortSignal): Promise<{ splits: ListedSplit[]; requests: number }> {
    const splits: ListedSplit[] = [];
    let requests = 0;
    for await (const page of this.client.listSplitPages({ executionDateGte: from, executionDateLte: to, signal })) {
      requests += 1; // one request per page, counted as they come
      for (const s of page.data)
        splits.push({ ticker: s.ticker, executionDate: s.execution_date, splitFrom: s.split_from, splitTo: s.split_to, id: s.id });
    }
    return { splits, requests };
  }

  groupedDaily(market: GroupedMarket, date: CivilDate, includeOtc: boolean, signal: AbortSignal): Promise<TickerBar[]> {
    return this.client.getGroupedDaily(date, { market, adjusted: true, ...(includeOtc ? { includeOtc: true } : {}), signal });
  }
}
