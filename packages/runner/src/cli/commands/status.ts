import { readJobStatus } from '@tickstock/job-protocol';
import type { Command } from 'commander';
import { commandContext, connectCommandRedis } from '../context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a job status as the app sees it (tickstock.jobs.status:{job_id})')
    .argument('<jobId>', 'the job id')
    .action(async (jobId: string) => {
      const ctx = commandContext({ defaultLogLevel: 'warn' });
      const redis = await connectCommandRedis(ctx);
      const status = await readJobStatus(redis, jobId);
      if (!status) {
        process.stderr.write(`no status for job ${jobId} (unknown, or expired after 24 h)\n`);
        process.exitCode = 2;
        return;
      }
      if (!status.ok) {
        process.stderr.write(`status of ${jobId} is not in the contract's shape: ${status.errors.map((e) => e.message).join('; ')}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`${JSON.stringify(status.value, null, 2)}\n`);
    });
}
