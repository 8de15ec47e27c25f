import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@tickstock/job-protocol';
import { type DataLoadJob, FINAL_JOB_STATUSES, isClusterClient, KEYS, readJobStatus, submitJob } from '@tickstock/job-protocol';
import type { Command } from 'commander';
import { commandContext, connectCommandRedis, integerIn, yearsOption } from '../context.js';
import { exitCodeOfStatus, parseTimeframes } from '../load-job.js';

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('publish a data-load job exactly as the TickStock app does (pub/sub + durable stream)')
    .argument('<symbols...>', 'tickers')
    .option('--years <years>', 'how far back (0.0014 = one day ... 50)', yearsOption(), 1)
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month', 'hour,day,week,month')
    .option('--job-id <id>', 'job id (default: a new UUID)')
    .option('--wait', 'follow the status until the job ends; exit 0/1/2 like `load`')
    .option(
      '--pickup-timeout <seconds>',
      'with --wait: give up (exit 2) when no worker has taken the job by then',
      integerIn('--pickup-timeout', 1, 86_400),
      60,
    )
    .option(
      '--timeout <seconds>',
      'with --wait: give up (exit 2) when the job has not ended by then (default: no limit)',
      integerIn('--timeout', 1, 604_800),
    )
    .option('--json', 'print the final status as JSON')
    .action(
      async (
        symbols: string[],
        opts: {
          years: number;
          timeframes: string;
          jobId?: string;
          wait?: boolean;
          pickupTimeout: number;
          timeout?: number;
          json?: boolean;
        },
      ) => {
        const ctx = commandContext({ defaultLogLevel: 'warn' });
        const redis = await connectCommandRedis(ctx);
        const job: DataLoadJob = {
          job_id: opts.jobId ?? randomUUID(),
          job_type: 'csv_universe_load',
          source: 'tickstock-cli',
          symbols: symbols.map((s) => s.toUpperCase()),
          timeframes: parseTimeframes(opts.timeframes),
          years: opts.years,
          run_analysis_after_import: false,
          requested_by: 'tickstock-cli',
          timestamp: new Date().toISOString().replace('Z', ''),
        } as DataLoadJob;
        const result = await submitJob(redis, job);
        if (!opts.json)
          process.stdout.write(`submitted ${result.jobId} (${result.receivers} worker(s) listening; also queued on the durable stream)\n`);
        await warnOnOtherDatabase(redis, result.receivers);
        if (!opts.wait) {
          if (opts.json)
            process.stdout.write(`${JSON.stringify({ job_id: result.jobId, stream_id: result.streamId, receivers: result.receivers })}\n`);
          return;
        }
        let last = '';
        const started = Date.now();
        const giveUp = (why: string) => {
          process.stderr.write(`tickstock: ${why}; the job stays queued, follow it with: tickstock status ${result.jobId}\n`);
          process.exitCode = 2;
        };
        for (;;) {
          const status = await readJobStatus(redis, result.jobId);
          const value = status?.ok ? (status.value as unknown as Record<string, unknown>) : undefined;
          const state = typeof value?.status === 'string' ? value.status : 'submitted';
          const line = `${state} ${value?.progress ?? 0}% ${value?.message ?? ''}`;
          if (!opts.json && line !== last) process.stdout.write(`${line}\n`);
          last = line;
          if (FINAL.has(state)) {
            if (opts.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
            // A partly failed job ends `completed` with `has_errors: true` (or the seeds' completed_with_errors).
            process.exitCode = exitCodeOfStatus(state, value?.has_errors === true);
            return;
          }
          const waited = (Date.now() - started) / 1000;
          if (state === 'submitted' && waited >= opts.pickupTimeout) {
            return giveUp(
              `no worker took job ${result.jobId} in ${opts.pickupTimeout} s: is a worker running on this Redis (same REDIS_URL, same database number)?`,
            );
          }
          if (opts.timeout !== undefined && waited >= opts.timeout)
            return giveUp(`job ${result.jobId} did not end in ${opts.timeout} s (now ${state})`);
          await new Promise((r) => setTimeout(r, 500));
        }
      },
    );
}

/**
 * Pub/sub crosses Redis database numbers, keys do not: a worker on database 0 hears a job published from database 5,
 * runs it, and writes its status where this command (and the app) on database 5 never look. Listeners but no worker
 * heartbeat in this database means exactly that: say so.
 */
async function warnOnOtherDatabase(redis: RedisClient, receivers: number): Promise<void> {
  if (receivers === 0) return;
  // One key per EXISTS: the two heartbeats live in different Redis Cluster slots.
  const beats = await Promise.all([KEYS.producerHeartbeat, KEYS.plHeartbeat].map((k) => redis.exists(k).catch(() => 1)));
  if (beats.some((n) => n > 0)) return;
  if (isClusterClient(redis)) return; // a cluster has one database: nothing to mix up
  const db = redis.options.db ?? 0;
  process.stderr.write(
    `tickstock: warning: ${receivers} listener(s) heard the job, but no worker heartbeat is in Redis database ${db}: ` +
      'a worker on another database number may run it while its status is written there (pub/sub crosses database numbers, keys do not); ' +
      'give the worker, the app and this command the same REDIS_URL\n',
  );
}
