/**
 * The `tickstock` command. Each subcommand lives in ./commands; this file only wires them to commander, runs each
 * in a resource scope (./scope.ts: whatever it opened is closed when it ends, however it ends), and turns errors
 * into one clear line and an exit code (2 for bad usage or configuration).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { RunnerError } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { ResourceScope, runInScope } from './scope.js';

/** After the command ended and its scope closed, the bin exits within this long even if a library leaked a handle. */
export const EXIT_DEADLINE_MS = 3_000;

/** The version of @tickstock/runner, from its package.json (found from src/cli/ and from dist/). */
export function runnerVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@tickstock/runner' && pkg.version) return pkg.version;
    } catch {
      // not here: try the next candidate
    }
  }
  return 'unknown';
}

/** How {@link main} runs. */
export interface MainOptions {
  /**
   * Run as the `tickstock` bin: once the command ended, exit the process within {@link EXIT_DEADLINE_MS} even if
   * something still holds the event loop. Default: when `argv` is `process.argv` (the bin's call).
   */
  exitProcess?: boolean;
}

/**
 * Runs the `tickstock` command line `argv` (node, script, then the arguments) and resolves with its exit code: 0
 * success, 1 partly failed (see each command), 2 failure or bad usage. Errors are printed as one line on stderr.
 */
export async function main(argv: string[] = process.argv, options: MainOptions = {}): Promise<number> {
  const code = await runMain(argv);
  if (options.exitProcess ?? argv === process.argv) {
    setTimeout(() => {
      process.stderr.write(`tickstock: still running ${EXIT_DEADLINE_MS / 1000} s after the command ended: exiting\n`);
      process.exit(code);
    }, EXIT_DEADLINE_MS).unref();
  }
  return code;
}

/** What `--help` says of the configuration (the runner README's Configuration table has every variable). */
const ENVIRONMENT_HELP = `
Environment (also read from ./.env):
  DATABASE_URL        PostgreSQL, e.g. postgres://user:pass@host:5432/tickstock (or DB_HOST, DB_PORT, DB_NAME,
                      DB_USER, DB_PASSWORD); unset: the embedded database in ./.tickstock/db (TICKSTOCK_DATA_DIR)
  REDIS_URL           Redis for the worker, submit and status, e.g. redis://:pass@host:6379/0 (or REDIS_HOST,
                      REDIS_PORT, REDIS_DB, REDIS_PASSWORD)
  MASSIVE_API_KEY     the Massive (Polygon.io) API key; not needed with --simulator
  MASSIVE_RATE_LIMIT  free (5 a minute), unlimited (paid plans; the default), or requests per second
  LOG_LEVEL           fatal, error, warn, info, debug, trace or silent
Every variable: the Configuration table of @tickstock/runner's README.`;

async function runMain(argv: string[]): Promise<number> {
  const program = new Command()
    .name('tickstock')
    .description('TickStock data loader: Massive market data into PostgreSQL, jobs and status over Redis')
    .version(runnerVersion(), '-V, --version', 'print the version of @tickstock/runner')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  program.addHelpText('after', ENVIRONMENT_HELP);
  try {
    await runInScope(new ResourceScope(), () => program.parseAsync(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // Thrown by our own actions (commander prints the ones it raises while parsing, then throws a CommanderError).
    if (error instanceof RunnerError || error instanceof InvalidArgumentError) {
      process.stderr.write(`tickstock: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CommanderError) {
      // --help and --version are "errors" with exit code 0; usage errors have already been printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    const code = (error as { code?: unknown })?.code;
    process.stderr.write(`tickstock: ${typeof code === 'string' ? `${code}: ` : ''}${(error as Error)?.message ?? String(error)}\n`);
    return 2;
  }
}
