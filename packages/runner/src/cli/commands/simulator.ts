import { startSimulator } from '@tickstock/massive-simulator';
import type { Command } from 'commander';
import { simulatorUniverse } from '../../universe/simulated.js';
import { integerIn, numberIn, portNumber, positiveNumber } from '../context.js';

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('run the Massive API simulator (SYNTHETIC prices) until interrupted')
    .option('--port <port>', 'port (0 = any free port)', portNumber('--port'), 0)
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--seed <seed>', 'seed of the random walk', integerIn('--seed', 0, 2 ** 32 - 1), 1)
    .option('--api-key-env <name>', 'require the key held in this environment variable')
    .option('--fault-rate <f>', 'fraction of requests answered with a fault (0..1)', numberIn('--fault-rate', 0, 1))
    .option('--latency-ms <ms>', 'added latency per request', positiveNumber('--latency-ms'))
    .option('--rate-limit-per-second <n>', 'answer requests beyond this rate with 429', positiveNumber('--rate-limit-per-second'))
    .action(
      async (opts: {
        port: number;
        host: string;
        seed: number;
        apiKeyEnv?: string;
        faultRate?: number;
        latencyMs?: number;
        rateLimitPerSecond?: number;
      }) => {
        const apiKey = opts.apiKeyEnv ? process.env[opts.apiKeyEnv] : undefined;
        if (opts.apiKeyEnv && !apiKey) throw new Error(`environment variable ${opts.apiKeyEnv} is empty`);
        const sim = await startSimulator({
          port: opts.port,
          host: opts.host,
          seed: opts.seed,
          tickers: simulatorUniverse(),
          ...(apiKey ? { apiKey } : {}),
          ...(opts.faultRate !== undefined ? { faults: { rate: opts.faultRate } } : {}),
          ...(opts.latencyMs !== undefined ? { latency: { fixedMs: opts.latencyMs } } : {}),
          ...(opts.rateLimitPerSecond !== undefined ? { rateLimit: { requestsPerSecond: opts.rateLimitPerSecond } } : {}),
        });
        process.stdout.write(
          `Massive API simulator listening on ${sim.url} (prices are SYNTHETIC). Stats: ${sim.url}/__sim/stats. Ctrl-C stops it.\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await sim.close();
      },
    );
}
