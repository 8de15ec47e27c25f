/** Market endpoints: upcoming holidays and the status now. */
import type { WithResponse } from '../api-promise.js';
import type { CallOptions, Transport } from '../http/transport.js';
import { type MarketHoliday, type MarketStatus, marketHolidaysResponseSchema, marketStatusSchema } from '../schemas/market.js';
import { callOptions } from './bars.js';

/** Upcoming holidays and early closes (forward-looking only), one row per exchange. */
export async function getMarketHolidays(transport: Transport, options: CallOptions = {}): Promise<WithResponse<MarketHoliday[]>> {
  const { data, response } = await transport.get(
    transport.url('/v1/marketstatus/upcoming'),
    marketHolidaysResponseSchema,
    callOptions(options),
  );
  return { data, response };
}

/** Whether markets are open now, per exchange and currency market. */
export async function getMarketStatus(transport: Transport, options: CallOptions = {}): Promise<WithResponse<MarketStatus>> {
  const { data, response } = await transport.get(transport.url('/v1/marketstatus/now'), marketStatusSchema, callOptions(options));
  return { data, response };
}
