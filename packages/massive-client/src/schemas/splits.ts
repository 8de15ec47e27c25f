/** Stock splits (`GET /v3/reference/splits`). Field names are the API's. */
import { z } from 'zod';
import { nextUrlSchema, requestIdSchema, responseStatusSchema } from './common.js';

/**
 * A row of `GET /v3/reference/splits`: from `execution_date` (a New York `YYYY-MM-DD`) on, `split_from` old shares
 * are `split_to` new ones (NVDA's 10-for-1 of 2024-06-10: `split_from: 1, split_to: 10`; a reverse split has
 * `split_from > split_to`). Adjusted prices of earlier dates are divided by `split_to / split_from`.
 */
export const splitSchema = z.looseObject({
  ticker: z.string(),
  execution_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'execution_date must be YYYY-MM-DD'),
  split_from: z.number().positive(),
  split_to: z.number().positive(),
  id: z.string().optional(),
});

/** `GET /v3/reference/splits` (one page; `limit` ≤ 1000; `next_url` carries every parameter). */
export const listSplitsResponseSchema = z.looseObject({
  status: responseStatusSchema,
  request_id: requestIdSchema,
  count: z.number().optional(),
  next_url: nextUrlSchema,
  results: z.array(splitSchema).optional(),
});

/** A stock split, with the API's field names. */
export type Split = z.infer<typeof splitSchema>;
