/** What `conformance/` holds: one JSON Schema per message kind, generated from the zod schemas, and example messages. */
import * as z from 'zod';
import { CHANNELS, KEYS } from '../names.js';
import { controlMessageSchema, monitoringControlSchema } from '../schemas/control.js';
import {
  backtestingProgressSchema,
  backtestingResultsSchema,
  dashboardEventSchema,
  errorEventSchema,
  IMPORT_EVENT_CHANNELS,
  healthStatusSchema,
  heartbeatValueSchema,
  monitoringEventSchema,
  patternEventSchema,
} from '../schemas/events.js';
import { dataLoadJobSchema } from '../schemas/jobs.js';
import { jobStatusHashSchema, jobStatusSchema } from '../schemas/status.js';
import * as ex from './examples.js';

export interface ConformanceEntry {
  /** File stem: `schemas/<name>.schema.json`. */
  name: string;
  title: string;
  /** Where the message travels. */
  where: string;
  schema: z.ZodType;
  /** Example file stem -> example text. */
  examples: Record<string, string>;
}

export const CONFORMANCE: readonly ConformanceEntry[] = [
  {
    name: 'data-load-job',
    title: 'Data-load job',
    where: `channel ${CHANNELS.dataLoad}; stream ${KEYS.dataLoadStream} field job`,
    schema: dataLoadJobSchema,
    examples: {
      'job.live-app': ex.LIVE_APP_JOB,
      'job.legacy-csv': ex.LEGACY_CSV_JOB,
      'job.historical-load': ex.HISTORICAL_LOAD_JOB,
      'job.multi-timeframe-load': ex.MULTI_TIMEFRAME_JOB,
      'job.universe-seed': ex.UNIVERSE_SEED_JOB,
    },
  },
  {
    name: 'control-message',
    title: 'Control message (cancel, cancel_all)',
    where: `channel ${CHANNELS.control}`,
    schema: controlMessageSchema,
    examples: { 'control.cancel': ex.CANCEL_JOB, 'control.cancel-all': ex.CANCEL_ALL },
  },
  {
    name: 'job-status',
    title: 'Job status (JSON form)',
    where: `key tickstock.jobs.status:{job_id} (string); key job:status:{job_id} (string, when the app created it); channel ${CHANNELS.jobStatus}`,
    schema: jobStatusSchema,
    examples: {
      'status.running': ex.JOB_STATUS,
      'status.completed-has-errors': ex.JOB_STATUS_COMPLETED_WITH_ERRORS,
      'status.app-job-status-key': ex.APP_JOB_STATUS,
    },
  },
  {
    name: 'job-status-hash',
    title: 'Job status (hash form, string fields)',
    where: 'the app pre-writes tickstock.jobs.status:{job_id} as a hash; hash job:{job_id} (the seeds\' mirror, only when enabled)',
    schema: jobStatusHashSchema,
    examples: { 'status-hash.worker-mirror': ex.JOB_STATUS_HASH, 'status-hash.app-prewritten': ex.APP_PREWRITTEN_STATUS_HASH },
  },
  {
    name: 'monitoring-event',
    title: 'Import lifecycle event ({event, timestamp, source, version, payload})',
    where: Object.entries(IMPORT_EVENT_CHANNELS)
      .map(([event, channels]) => `${event}: ${channels.join(' and ')}`)
      .join('; '),
    schema: monitoringEventSchema,
    examples: {
      'monitoring.job-progress-update': ex.JOB_PROGRESS_UPDATE,
      'monitoring.symbol-processing-complete': ex.SYMBOL_PROCESSING_COMPLETE,
      'monitoring.data-import-started': ex.DATA_IMPORT_STARTED,
      'monitoring.data-import-completed': ex.DATA_IMPORT_COMPLETED,
    },
  },
  {
    name: 'dashboard-event',
    title: 'Monitoring dashboard event (METRIC_UPDATE, HEALTH_CHECK, SYSTEM_STATUS)',
    where: `channel ${CHANNELS.monitoring}`,
    schema: dashboardEventSchema,
    examples: {
      'dashboard.metric-update': ex.METRIC_UPDATE,
      'dashboard.health-check': ex.HEALTH_CHECK,
      'dashboard.system-status': ex.SYSTEM_STATUS,
    },
  },
  {
    name: 'monitoring-control',
    title: 'Monitoring control request (in)',
    where: `channel ${CHANNELS.monitoringControl}`,
    schema: monitoringControlSchema,
    examples: { 'monitoring-control.force-health-check': ex.FORCE_HEALTH_CHECK },
  },
  { name: 'error-event', title: 'Error event', where: `channel ${CHANNELS.errors}`, schema: errorEventSchema, examples: { 'error.rate-limit': ex.ERROR_EVENT } },
  {
    name: 'pattern-event',
    title: 'Pattern event',
    where: `channel ${CHANNELS.patterns}`,
    schema: patternEventSchema,
    examples: { 'pattern.detected': ex.PATTERN_EVENT },
  },
  {
    name: 'backtesting-progress',
    title: 'Backtesting progress',
    where: `channel ${CHANNELS.backtestingProgress}`,
    schema: backtestingProgressSchema,
    examples: { 'backtesting.progress': ex.BACKTESTING_PROGRESS },
  },
  {
    name: 'backtesting-results',
    title: 'Backtesting results',
    where: `channel ${CHANNELS.backtestingResults}`,
    schema: backtestingResultsSchema,
    examples: { 'backtesting.results': ex.BACKTESTING_RESULTS },
  },
  {
    name: 'health-status',
    title: 'Health status',
    where: `channel ${CHANNELS.healthStatus}`,
    schema: healthStatusSchema,
    examples: { 'health.healthy': ex.HEALTH_STATUS },
  },
  {
    name: 'heartbeat-value',
    title: 'Heartbeat value (epoch seconds, float, as a string)',
    where: `keys ${KEYS.producerHeartbeat}, ${KEYS.plHeartbeat}`,
    schema: heartbeatValueSchema,
    examples: { 'heartbeat.value': ex.HEARTBEAT_VALUE },
  },
];

const SCHEMA_BASE = 'urn:tickstock:job-protocol:';

/** The JSON Schema (draft 2020-12, the input side of each zod schema) of one entry. */
export function jsonSchemaOf(entry: ConformanceEntry): Record<string, unknown> {
  const generated = z.toJSONSchema(entry.schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `${SCHEMA_BASE}${entry.name}`, title: entry.title, description: `Travels on: ${entry.where}`, ...rest };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of conformance/, path relative to it -> content. */
export function conformanceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const manifest: Array<{ schema: string; where: string; examples: string[] }> = [];
  for (const entry of CONFORMANCE) {
    files[`schemas/${entry.name}.schema.json`] = json(jsonSchemaOf(entry));
    const examples: string[] = [];
    for (const [stem, text] of Object.entries(entry.examples)) {
      files[`examples/${stem}.json`] = json(JSON.parse(text));
      examples.push(`examples/${stem}.json`);
    }
    manifest.push({ schema: `schemas/${entry.name}.schema.json`, where: entry.where, examples });
  }
  files['manifest.json'] = json(manifest);
  return files;
}
