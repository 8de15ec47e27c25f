/**
 * The `tickstock` command. Each subcommand lives in ./commands; this file only wires them to commander and
 * turns errors into one clear line and an exit code (2 for bad usage or configuration).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { RunnerError } from '../errors.js';
import { registerCommands } from './commands/index.js';

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name('tickstock')
    .description('TickStock data loader: Massive market data into PostgreSQL, jobs and status over Redis')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
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
