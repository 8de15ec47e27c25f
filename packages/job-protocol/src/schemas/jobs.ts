/** Data-load jobs as the app publishes them on `tickstock.jobs.data_load` (CONTRACT.md §3, "In: jobs"). */
import * as z from 'zod';
import {
  csvFileSchema,
  jobIdSchema,
  looseBooleanSchema,
  looseTimestampSchema,
  symbolListSchema,
  TIMEFRAMES,
  timeframeSchema,
  universeTypeSchema,
  yearsSchema,
} from './common.js';

/** The job types a worker accepts. */
export const DATA_LOAD_JOB_TYPES = ['csv_universe_load', 'historical_load', 'multi_timeframe_load', 'universe_seed'] as const;
/** A job type of {@link DATA_LOAD_JOB_TYPES}. */
export type DataLoadJobType = (typeof DATA_LOAD_JOB_TYPES)[number];

/** Fields every job may carry. Unknown extra fields are allowed and kept. */
const jobBase = {
  job_id: jobIdSchema.describe('UUID, or an older form such as job_20241030_145623_abc123'),
  years: yearsSchema.nullish().describe('Float, above 0 and at most 50; days = round(years x 365). Default 1.'),
  source: z.string().nullish().describe('Where the job came from, e.g. a universe label'),
  universe_key: z.string().nullish(),
  run_analysis_after_import: looseBooleanSchema.nullish().describe('true/false, or the strings "true"/"false"'),
  requested_by: z.string().nullish(),
  timestamp: looseTimestampSchema.nullish().describe('Naive local time as the app writes it; informational'),
};

/** `csv_universe_load`: the live form names `symbols`; the legacy form names `csv_file` and `universe_type` instead. */
export const csvUniverseLoadJobSchema = z
  .looseObject({
    ...jobBase,
    job_type: z.literal('csv_universe_load'),
    symbols: symbolListSchema.nullish().describe('Used when present and non-empty; otherwise csv_file is read'),
    csv_file: csvFileSchema.nullish().describe('Legacy: a plain file name in the configured universe directory'),
    universe_type: z.string().nullish().describe('Legacy label of the CSV universe, e.g. sp_500'),
    timeframes: z.array(timeframeSchema).min(1).nullish().describe('Default (legacy form): hour, day, week, month'),
    include_ohlcv: z.boolean().nullish(),
  })
  .describe('csv_universe_load: symbols, or (legacy) csv_file; one of the two is required');

/** `historical_load`: one `timespan` (default `day`) instead of `timeframes`. */
export const historicalLoadJobSchema = z.looseObject({
  ...jobBase,
  job_type: z.literal('historical_load'),
  symbols: symbolListSchema,
  timespan: z
    .enum([...TIMEFRAMES, 'minute'])
    .nullish()
    .describe('Default day; minute means 1min'),
});

/** `multi_timeframe_load`: `timeframes` default `["hour","day"]`. */
export const multiTimeframeLoadJobSchema = z.looseObject({
  ...jobBase,
  job_type: z.literal('multi_timeframe_load'),
  symbols: symbolListSchema,
  timeframes: z.array(timeframeSchema).min(1).nullish().describe('Default ["hour","day"]'),
});

/** `universe_seed`: a named universe instead of symbols. */
export const universeSeedJobSchema = z.looseObject({
  ...jobBase,
  job_type: z.literal('universe_seed'),
  universe_type: universeTypeSchema,
  timeframes: z.array(timeframeSchema).min(1).nullish().describe('Default ["day"]'),
});

/** Any data-load job, by `job_type`. */
export const dataLoadJobSchema = z.discriminatedUnion('job_type', [
  csvUniverseLoadJobSchema,
  historicalLoadJobSchema,
  multiTimeframeLoadJobSchema,
  universeSeedJobSchema,
]);

/** A data-load job as it travels on the wire. */
export type DataLoadJob = z.input<typeof dataLoadJobSchema>;
export type CsvUniverseLoadJob = z.input<typeof csvUniverseLoadJobSchema>;
export type HistoricalLoadJob = z.input<typeof historicalLoadJobSchema>;
export type MultiTimeframeLoadJob = z.input<typeof multiTimeframeLoadJobSchema>;
export type UniverseSeedJob = z.input<typeof universeSeedJobSchema>;
