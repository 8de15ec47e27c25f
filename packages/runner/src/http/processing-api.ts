/**
 * The processing API the TickStock app calls on the producer: trigger a daily import, read a run's status, retry its
 * failed symbols. Bodies are validated with zod; every error is JSON `{success: false, error, issues?}` with its
 * status: 400 bad body, 404 unknown run, 409 a run in progress (or nothing to retry). Authentication is the server's
 * (./server.ts): a bearer token on every route but /healthz.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RunnerError } from '../errors.js';
import type { ImportCoordinator } from '../import/coordinator.js';
import { describeIssues, importRequestSchema, importSpecFrom, retryRequestSchema } from '../import/request.js';
import type { SecretScrubber } from '../logging/secrets.js';

export const PROCESSING_PREFIX = '/api/processing';

const STATUS_OF: Partial<Record<string, number>> = {
  USAGE: 400,
  UNIVERSE_NOT_FOUND: 400,
  UNIVERSE_INVALID: 400,
  RUN_NOT_FOUND: 404,
  RUN_IN_PROGRESS: 409,
  NOTHING_TO_RETRY: 409,
};

export function registerProcessingApi(app: FastifyInstance, imports: ImportCoordinator, scrubber: SecretScrubber): void {
  const fail = (reply: FastifyReply, error: unknown) => {
    const code = error instanceof RunnerError ? error.code : undefined;
    const status = (code && STATUS_OF[code]) || 500;
    const message = status === 500 ? 'internal error' : scrubber.scrub((error as Error).message);
    return reply.code(status).send({ success: false, error: message, ...(code && status !== 500 ? { code } : {}) });
  };

  app.post(`${PROCESSING_PREFIX}/import/trigger`, async (req, reply) => {
    const parsed = importRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ success: false, error: 'invalid request body', issues: describeIssues(parsed.error) });
    }
    try {
      const spec = importSpecFrom(parsed.data);
      const run = await imports.trigger(spec, { origin: 'api' });
      return reply.send({
        success: true,
        run_id: run.runId,
        message: `import started: ${run.symbolsTotal} symbol${run.symbolsTotal === 1 ? '' : 's'}, timeframes ${spec.timeframes.join(', ')}${spec.fullReload ? ' (full reload)' : ''}`,
        estimated_duration_minutes: run.estimatedDurationMinutes,
      });
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.get<{ Params: { run_id: string } }>(`${PROCESSING_PREFIX}/import/status/:run_id`, async (req, reply) => {
    try {
      const view = await imports.status(req.params.run_id);
      if (!view) return reply.code(404).send({ success: false, error: `no import run ${JSON.stringify(req.params.run_id)}` });
      return reply.send(view);
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.post(`${PROCESSING_PREFIX}/import/retry`, async (req, reply) => {
    const parsed = retryRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ success: false, error: 'invalid request body', issues: describeIssues(parsed.error) });
    }
    try {
      const run = await imports.retry(parsed.data.run_id, parsed.data.symbols ?? []);
      return reply.send({
        success: true,
        run_id: run.runId,
        retry_count: run.retryCount,
        message: `retrying ${run.symbols.length} failed symbol${run.symbols.length === 1 ? '' : 's'} of run ${run.runId}: ${run.symbols.join(', ')}`,
      });
    } catch (error) {
      return fail(reply, error);
    }
  });
}
