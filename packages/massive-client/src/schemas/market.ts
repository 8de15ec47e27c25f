/** Market status and holidays: bare bodies, no envelope. */
import { z } from 'zod';

/** A row of `GET /v1/marketstatus/upcoming`. `open`/`close` (ISO UTC) appear only on `early-close` rows. */
export const marketHolidaySchema = z.looseObject({
  exchange: z.string(),
  name: z.string(),
  date: z.string(),
  /** `closed` or `early-close`; an open string. */
  status: z.string(),
  open: z.string().optional(),
  close: z.string().optional(),
});

/** `GET /v1/marketstatus/upcoming`: a bare array, forward-looking only. */
export const marketHolidaysResponseSchema = z.array(marketHolidaySchema);

/** `GET /v1/marketstatus/now`. `serverTime` is RFC 3339 with a New York offset. */
export const marketStatusSchema = z.looseObject({
  market: z.string(),
  serverTime: z.string(),
  earlyHours: z.boolean().optional(),
  afterHours: z.boolean().optional(),
  exchanges: z.record(z.string(), z.string()).optional(),
  currencies: z.record(z.string(), z.string()).optional(),
  indicesGroups: z.record(z.string(), z.string()).optional(),
});

/** An upcoming market holiday or early close, with the API's field names. */
export type MarketHoliday = z.infer<typeof marketHolidaySchema>;
/** The market's status now, with the API's field names. */
export type MarketStatus = z.infer<typeof marketStatusSchema>;
