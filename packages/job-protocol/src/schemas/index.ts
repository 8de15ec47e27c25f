/**
 * `@tickstock/job-protocol/schemas`: the zod schema of every message and hash of the wire contract (CONTRACT.md §3),
 * for a program that validates with zod itself. The constants, the types and the typed helpers (`parseDataLoadJob`,
 * `parseJobStatus`, `JobSubscriber`, ...) are the root entry's.
 */

export { cancelAllMessageSchema, cancelJobMessageSchema, controlMessageSchema, monitoringControlSchema } from './control.js';
export {
  backtestingProgressSchema,
  backtestingResultsSchema,
  componentHealthSchema,
  dashboardEventSchema,
  dataImportCompletedEventSchema,
  dataImportCompletedPayloadSchema,
  dataImportStartedEventSchema,
  dataImportStartedPayloadSchema,
  errorEventSchema,
  healthCheckSchema,
  healthStatusSchema,
  heartbeatValueSchema,
  jobProgressUpdateEventSchema,
  jobProgressUpdatePayloadSchema,
  MONITORING_PAYLOAD_SCHEMAS,
  metricUpdateSchema,
  monitoringEventSchema,
  patternDataSchema,
  patternEventSchema,
  symbolHistoryReadjustedEventSchema,
  symbolHistoryReadjustedPayloadSchema,
  symbolProcessingCompleteEventSchema,
  symbolProcessingCompletePayloadSchema,
  systemStatusSchema,
} from './events.js';
export {
  csvUniverseLoadJobSchema,
  dataLoadJobSchema,
  historicalLoadJobSchema,
  multiTimeframeLoadJobSchema,
  universeSeedJobSchema,
} from './jobs.js';
export { jobStatusHashSchema, jobStatusSchema } from './status.js';
