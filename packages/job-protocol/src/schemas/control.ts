/** Control messages on `tickstock.jobs.control` (CONTRACT.md §3, "In: control"). */
import * as z from 'zod';
import { looseTimestampSchema } from './common.js';

/** Cancel one job: the worker stops it soon and writes status `cancelled` itself. */
export const cancelJobMessageSchema = z.looseObject({
  job_id: z.string().min(1).max(128),
  action: z.literal('cancel'),
  requested_by: z.string().nullish(),
  timestamp: looseTimestampSchema.nullish(),
});

/** Cancel every running job. */
export const cancelAllMessageSchema = z.looseObject({
  command: z.literal('cancel_all'),
  reason: z.string().nullish(),
});

/** Either control message. */
export const controlMessageSchema = z.union([cancelJobMessageSchema, cancelAllMessageSchema]);

export type CancelJobMessage = z.infer<typeof cancelJobMessageSchema>;
export type CancelAllMessage = z.infer<typeof cancelAllMessageSchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;
