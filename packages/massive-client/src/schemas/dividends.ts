/** Cash dividends (`GET /v3/reference/dividends`). Field names are the API's. */
import { z } from 'zod';
import { nextUrlSchema, requestIdSchema, responseStatusSchema } from './common.js';

const date = (name: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be YYYY-MM-DD`);

/**
 * A row of `GET /v3/reference/dividends`: `cash_amount` per share in `currency`, paid on `pay_date` to holders of
 * record on `record_date`; the stock trades without it from `ex_dividend_date` on. `dividend_type` is `CD` (regular),
 * `SC` (special), `LT` or `ST` (long- and short-term capital gains); `frequency` is payments a year (0: one-off, 1, 2,
 * 4, 12, ...). Dates are `YYYY-MM-DD`. Only `ticker`, `ex_dividend_date` and `cash_amount` are always there (older
 * records lack some dates, and the recorded mock has no `currency` or `id`).
 */
export const dividendSchema = z.looseObject({
  cash_amount: z.number().nonnegative(),
  currency: z.string().optional(),
  declaration_date: date('declaration_date').optional(),
  dividend_type: z.string().optional(),
  ex_dividend_date: date('ex_dividend_date'),
  frequency: z.number().int().nonnegative().optional(),
  id: z.string().optional(),
  pay_date: date('pay_date').optional(),
  record_date: date('record_date').optional(),
  ticker: z.string(),
});

/** `GET /v3/reference/dividends` (one page; `limit` ≤ 1000; `next_url` carries every parameter). */
export const listDividendsResponseSchema = z.looseObject({
  status: responseStatusSchema,
  request_id: requestIdSchema,
  next_url: nextUrlSchema,
  results: z.array(dividendSchema).optional(),
});

/** A cash dividend, with the API's field names. */
export type Dividend = z.infer<typeof dividendSchema>;
