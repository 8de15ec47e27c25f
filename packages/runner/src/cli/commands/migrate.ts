import type { Command } from 'commander';
import { commandContext, openCommandStore } from '../context.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or update the database schema (idempotent)')
    .action(async () => {
      const ctx = commandContext();
      const store = await openCommandStore(ctx, { migrate: true });
      const m = store.migrations;
      const applied = m?.applied.length
        ? `applied migration${m.applied.length > 1 ? 's' : ''} ${m.applied.join(', ')}`
        : 'nothing to apply';
      process.stdout.write(`schema at version ${m?.version ?? '?'}: ${applied}\n`);
      for (const note of m?.notes ?? []) process.stdout.write(`  ${note}\n`);
    });
}
