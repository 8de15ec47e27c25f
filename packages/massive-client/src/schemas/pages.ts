/** The generic cursor page of `/v3` list endpoints (quotes, trades, tickers, ...). */
import { z } from 'zod';
import { nextUrlSchema, requestIdSchema } from './common.js';

/** A page of rows: `next_url` and `count` are both optional (a single page has neither). */
export function cursorPageSchema<Row extends z.ZodType>(row: Row) {
  return z.looseObject({
    status: z.string().optional(),
    request_id: requestIdSchema,
    count: z.number().optional(),
    next_url: nextUrlSchema,
    results: z.array(row).optional(),
  });
}
