import { grantsSql, isStoreError } from '@tickstock/ohlcv-store';
import { type Command, InvalidArgumentError } from 'commander';
import { commandContext, openCommandStore } from '../context.js';

/** `--print-grants ROLE`: the role, checked as the grants SQL will quote it. */
function roleName(value: string): string {
  try {
    grantsSql(value);
    return value;
  } catch (e) {
    if (isStoreError(e)) throw new InvalidArgumentError(`--print-grants: ${e.message}`);
    throw e;
  }
}

/** The database a PostgreSQL URL names (undefined when it names none). */
function databaseOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or update the database schema (idempotent); run it as the owner of the schema')
    .option(
      '--print-grants <role>',
      'print (do not run) the SQL granting ROLE what a worker needs (for the schema owner to run after migrating); connects to nothing',
      roleName,
    )
    .action(async (opts: { printGrants?: string }) => {
      const ctx = commandContext();
      if (opts.printGrants !== undefined) {
        const db = ctx.config.database;
        const database = db.kind === 'postgres' ? databaseOf(db.url) : undefined;
        process.stdout.write(grantsSql(opts.printGrants, database ? { database } : {}));
        return;
      }
      const store = await openCommandStore(ctx, { migrate: true });
      const m = store.migrations;
      const applied = m?.applied.length
        ? `applied migration${m.applied.length > 1 ? 's' : ''} ${m.applied.join(', ')}`
        : 'nothing to apply';
      process.stdout.write(`schema at version ${m?.version ?? '?'}: ${applied}\n`);
      for (const note of m?.notes ?? []) process.stdout.write(`  ${note}\n`);
    });
}
