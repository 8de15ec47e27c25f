/**
 * The processing API the TickStock app calls on the producer. Its client (`TickStockPLAPIClient`,
 * `src/core/services/tickstockpl_api_client.py`, used by the Daily Processing admin page) always calls
 * `http://localhost:8080` with a 2 s timeout and no credentials, and reads only 2xx JSON objects: on any other status
 * the user sees requests' `"NNN Client Error: <reason> for url ..."`, so every refusal carries its explanation in the
 * HTTP reason phrase as well as in the JSON body (`{success: false, error, code?, issues?}`; see ./server.ts).
 *
 * The app's paths: `POST trigger-manual`, `GET status`, `GET history?days=`, `DELETE|POST cancel`,
 * `GET|POST schedule`, `POST trigger-import`, `POST trigger-indicators` (501: this worker does not compute
 * indicators), `POST retry-imports`. The seeds' paths stay: `POST import/trigger`, `GET import/status/:run_id`,
 * `POST import/retry`. Status, history and cancel answer for the run in progress on any worker (the import lock and
 * the database); see ../import/coordinator.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { RunnerError } from '../errors.js';
import type { ImportCoordinator, StartedImport } from '../import/coordinator.js';
import {
  appRetryRequestSchema,
  describeIssues,
  IMPORT_PHASES,
  type ImportSpec,
  importRequestSchema,
  importSpecFrom,
  manualTriggerSchema,
  parseImportRequest,
  retryRequestSchema,
  scheduleUpdateSchema,
} from '../import/request.js';
import { type ScheduleInfo, scheduleChanges, scheduleView } from '../import/schedule-view.js';
import type { SecretScrubber } from '../logging/secrets.js';

export const PROCESSING_PREFIX = '/api/processing';

/** The sentence `trigger-indicators` answers with (501). */
export const NO_INDICATORS = 'This worker does not compute indicators: it imports OHLCV bars only';

const STATUS_OF: Partial<Record<string, number>> = {
  USAGE: 400,
  UNIVERSE_NOT_FOUND: 400,
  UNIVERSE_INVALID: 400,
  RUN_NOT_FOUND: 404,
  RUN_IN_PROGRESS: 409,
  NOTHING_TO_RETRY: 409,
};

/** What the app-facing routes need beyond the coordinator. */
export interface ProcessingApiOptions {
  /** What `trigger-manual` runs: the scheduled import's spec (default: the import defaults). */
  dailyImport?: ImportSpec | undefined;
  /** The schedule configured on this worker (default: none). */
  schedule?: (() => ScheduleInfo) | undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function whatLoads(run: StartedImport, spec: ImportSpec): string {
  return `${plural(run.symbolsTotal, 'symbol')}, timeframes ${spec.timeframes.join(', ')}${spec.fullReload ? ' (full reload)' : ''}`;
}

/** Days of history for `GET history?days=` (the app sends 7 or 30). */
function wholeQuery(raw: unknown, name: string, fallback: number, max: number): number | string {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) return `${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`;
  return n;
}

export function registerProcessingApi(
  app: FastifyInstance,
  imports: ImportCoordinator,
  scrubber: SecretScrubber,
  options: ProcessingApiOptions = {},
): void {
  const fail = (reply: FastifyReply, error: unknown) => {
    const code = error instanceof RunnerError ? error.code : undefined;
    const status = (code && STATUS_OF[code]) || 500;
    const message = status === 500 ? 'internal error' : scrubber.scrub((error as Error).message);
    return reply.code(status).send({ success: false, error: message, ...(code && status !== 500 ? { code } : {}) });
  };
  const refuse = (reply: FastifyReply, status: number, error: string, extra: Record<string, unknown> = {}) =>
    reply.code(status).send({ success: false, error: scrubber.scrub(error), ...extra });
  const invalid = (reply: FastifyReply, error: z.ZodError) =>
    reply.code(400).send({ success: false, error: 'invalid request body', issues: describeIssues(error) });
  const dailySpec = () => options.schedule?.().spec ?? options.dailyImport ?? parseImportRequest({});
  const schedule = () => scheduleView(options.schedule?.() ?? { cron: null, spec: dailySpec(), nextRunAt: null });

  /** Validates an import body (with the route's default timeframes) and starts it. */
  const triggerImport = async (reply: FastifyReply, body: unknown, defaultTimeframes?: readonly string[]) => {
    const raw = (body ?? {}) as Record<string, unknown>;
    if (raw && typeof raw === 'object' && raw.lookback_days === null) {
      // The app's page sends null when the days typed are not a number (parseInt gives NaN): say so, do not guess.
      return refuse(reply, 400, 'lookback_days is null: send a whole number of days (e.g. 30)', {
        issues: [{ path: 'lookback_days', message: 'must be a whole number of days, got null' }],
      });
    }
    const withDefaults =
      defaultTimeframes && raw && typeof raw === 'object' && !Array.isArray(raw) && raw.timeframes === undefined
        ? { ...raw, timeframes: [...defaultTimeframes] }
        : raw;
    const parsed = importRequestSchema.safeParse(withDefaults);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      const spec = importSpecFrom(parsed.data);
      const run = await imports.trigger(spec, { origin: 'api' });
      return reply.send({
        success: true,
        run_id: run.runId,
        message: `import started: ${whatLoads(run, spec)}`,
        estimated_duration_minutes: run.estimatedDurationMinutes,
      });
    } catch (error) {
      return fail(reply, error);
    }
  };

  /** Retries the failed symbols of a run; the answer names them. */
  const retry = async (reply: FastifyReply, runId: string, symbols: readonly string[]) => {
    try {
      const run = await imports.retry(runId, symbols);
      return reply.send({
        success: true,
        run_id: run.runId,
        retry_count: run.retryCount,
        message: `retrying ${plural(run.symbols.length, 'failed symbol')} of run ${run.runId}: ${run.symbols.join(', ')}`,
      });
    } catch (error) {
      return fail(reply, error);
    }
  };

  // --- The seeds' paths.

  app.post(`${PROCESSING_PREFIX}/import/trigger`, async (req, reply) => triggerImport(reply, req.body));

  app.get<{ Params: { run_id: string } }>(`${PROCESSING_PREFIX}/import/status/:run_id`, async (req, reply) => {
    try {
      const view = await imports.status(req.params.run_id);
      if (!view) return refuse(reply, 404, `no import run ${JSON.stringify(req.params.run_id)}`);
      return reply.send(view);
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.post(`${PROCESSING_PREFIX}/import/retry`, async (req, reply) => {
    const parsed = retryRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    return retry(reply, parsed.data.run_id, parsed.data.symbols ?? []);
  });

  // --- The app's paths (TickStockPLAPIClient).

  // trigger_processing: {skip_market_check, phases, universe?} -> {run_id, status, message}.
  app.post(`${PROCESSING_PREFIX}/trigger-manual`, async (req, reply) => {
    const parsed = manualTriggerSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const phases = parsed.data.phases?.length ? parsed.data.phases : ['all'];
    if (!phases.some((p) => IMPORT_PHASES.includes(p))) {
      return refuse(
        reply,
        501,
        `This worker runs the data import phase only; ${phases.join(', ')} ${phases.length === 1 ? 'is' : 'are'} not computed here`,
        { code: 'NOT_SUPPORTED' },
      );
    }
    const base = dailySpec();
    const universe = parsed.data.universe;
    const spec: ImportSpec = {
      ...base,
      ...(universe ? { universes: [universe], symbols: [] } : {}),
      requestedBy: parsed.data.requested_by ?? base.requestedBy,
    };
    try {
      const run = await imports.trigger(spec, { origin: 'api' });
      const others = phases.includes('all') ? '; indicators and patterns are not computed by this worker' : '';
      return reply.send({
        success: true,
        run_id: run.runId,
        status: 'started',
        message: `daily processing started: data import of ${whatLoads(run, spec)}${others}`,
        estimated_duration_minutes: run.estimatedDurationMinutes,
      });
    } catch (error) {
      return fail(reply, error);
    }
  });

  // get_status: is_running, run_id, current_phase, progress, symbols_processed, symbols_total, start_time, estimated_completion.
  app.get(`${PROCESSING_PREFIX}/status`, async (_req, reply) => {
    try {
      return reply.send(await imports.processingStatus());
    } catch (error) {
      return fail(reply, error);
    }
  });

  // get_history(days): {runs: [...]}, newest first.
  app.get<{ Querystring: { days?: string; limit?: string } }>(`${PROCESSING_PREFIX}/history`, async (req, reply) => {
    const days = wholeQuery(req.query.days, 'days', 7, 3650);
    const limit = wholeQuery(req.query.limit, 'limit', 100, 1000);
    if (typeof days === 'string') return refuse(reply, 400, days);
    if (typeof limit === 'string') return refuse(reply, 400, limit);
    try {
      const runs = await imports.history(days, limit);
      return reply.send({ success: true, days, count: runs.length, runs });
    } catch (error) {
      return fail(reply, error);
    }
  });

  // cancel_processing: DELETE (the app's client); POST too. Optional run_id (query or body) must name the run in progress.
  const cancel = async (req: { query: unknown; body: unknown }, reply: FastifyReply) => {
    const query = (req.query ?? {}) as { run_id?: unknown };
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as { run_id?: unknown };
    const named = query.run_id ?? body.run_id;
    if (named !== undefined && (typeof named !== 'string' || named.length === 0 || named.length > 200)) {
      return refuse(reply, 400, 'run_id must name a run');
    }
    try {
      const current = await imports.requestCancel(named, 'api');
      if (!current) return refuse(reply, 409, 'No import run is in progress: nothing to cancel', { code: 'NOT_RUNNING' });
      return reply.send({
        success: true,
        run_id: current.runId,
        message: current.here
          ? `cancel requested for run ${current.runId}: symbols in flight stop, bars already written are kept`
          : `cancel requested for run ${current.runId} (running on ${current.owner ?? 'another worker'}): it stops within a second`,
      });
    } catch (error) {
      return fail(reply, error);
    }
  };
  app.delete(`${PROCESSING_PREFIX}/cancel`, async (req, reply) => cancel(req, reply));
  app.post(`${PROCESSING_PREFIX}/cancel`, async (req, reply) => cancel(req, reply));

  // get_schedule / update_schedule.
  app.get(`${PROCESSING_PREFIX}/schedule`, async (_req, reply) => reply.send(schedule()));
  app.post(`${PROCESSING_PREFIX}/schedule`, async (req, reply) => {
    const parsed = scheduleUpdateSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const current = schedule();
    const changes = scheduleChanges(current, parsed.data);
    if (changes.length) {
      return refuse(
        reply,
        501,
        `The schedule is not changed over HTTP (asked: ${changes.join(', ')}): start the worker with --schedule "<cron>" (New York time) or --import-config`,
        { code: 'NOT_SUPPORTED', schedule: current },
      );
    }
    return reply.send({ ...current, message: 'schedule unchanged' });
  });

  // trigger_data_import: {universes, timeframes (the app's default ["daily","weekly"]), lookback_days}.
  app.post(`${PROCESSING_PREFIX}/trigger-import`, async (req, reply) => triggerImport(reply, req.body, ['daily', 'weekly']));

  // trigger_indicator_processing: not this worker's job; said in the reason phrase the app shows.
  app.post(`${PROCESSING_PREFIX}/trigger-indicators`, async (_req, reply) => refuse(reply, 501, NO_INDICATORS, { code: 'NOT_SUPPORTED' }));

  // retry_failed_imports: {original_run_id, symbols?}.
  app.post(`${PROCESSING_PREFIX}/retry-imports`, async (req, reply) => {
    const parsed = appRetryRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    return retry(reply, parsed.data.original_run_id, parsed.data.symbols ?? []);
  });
}
