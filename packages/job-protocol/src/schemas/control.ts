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

/**
 * Requests the app's monitoring admin publishes on `tickstock:monitoring:control` (`src/api/rest/admin_monitoring.py`).
 * No reply channel exists: the answer to `FORCE_HEALTH_CHECK` is a fresh `HEALTH_CHECK` (and `METRIC_UPDATE`,
 * `SYSTEM_STATUS`) on `tickstock:monitoring`; the other actions concern parts this worker does not have.
 */
export const MONITORING_CONTROL_ACTIONS = [
  'FORCE_HEALTH_CHECK',
  'ALERT_RESOLVED',
  'ENABLE_COMPONENT',
  'CLEAR_CACHE',
  'FORCE_GC',
  'RESTART_WORKERS',
  'RELOAD_PATTERNS',
] as const;
export type MonitoringControlAction = (typeof MONITORING_CONTROL_ACTIONS)[number];

/** One monitoring control request: `action` and whatever the route adds (`requested_by`, `timestamp`, ...). */
export const monitoringControlSchema = z.looseObject({
  action: z.string().min(1),
  requested_by: z.string().nullish(),
  timestamp: looseTimestampSchema.nullish(),
});
export type MonitoringControl = z.infer<typeof monitoringControlSchema>;
