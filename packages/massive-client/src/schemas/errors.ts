/** The API's error body: `{status, request_id, error?, message?}`, read leniently (every field optional). */
import { z } from 'zod';
import { requestIdSchema } from './common.js';

/** 400/401/429 put the text in `error` (status `ERROR`); 403 (`NOT_AUTHORIZED`) and 404 (`NOT_FOUND`) in `message`. */
export const errorBodySchema = z.looseObject({
  status: z.string().optional().catch(undefined),
  request_id: requestIdSchema,
  error: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
});

/** A parsed error body. */
export type ErrorBody = z.infer<typeof errorBodySchema>;
