/**
 * What `openStore` does with the schema before handing the store out: migrate (or, with `migrate: false`, check the
 * version), check the connected role's privileges, and discover the tables. Each failure names what to run: a schema
 * that needs migrating `tickstock migrate` as the owner (`MIGRATION_REQUIRED`), a role lacking grants the SQL of
 * `tickstock migrate --print-grants ROLE` (`PRIVILEGES_MISSING`).
 */
import type { Driver } from '../drivers/driver.js';
import { isStoreError, storageFailed } from '../errors.js';
import type { Timeframe } from '../timeframes.js';
import { discoverSchema, type StoreSchema } from './discover.js';
import { missingPrivileges, privilegesMissing, type RoleAccess } from './grants.js';
import {
  type MigrationReport,
  type MigrationState,
  migrationRequired,
  readMigrationState,
  requireCurrent,
  runMigrations,
} from './migrate.js';
import type { TimescaleMode } from './migrations.js';

export interface PrepareSchemaOptions {
  migrate: boolean;
  timescale: TimescaleMode;
  timeframes: readonly Timeframe[];
  secrets: readonly string[];
}

/** Migrates or checks the version, checks privileges, discovers the schema. */
export async function prepareSchema(
  driver: Driver,
  { migrate, timescale, timeframes, secrets }: PrepareSchemaOptions,
): Promise<{ migrations: MigrationReport | null; schema: StoreSchema }> {
  let migrations: MigrationReport | null = null;
  let state: MigrationState | undefined;
  if (migrate) migrations = await runMigrations(driver, { timescale, secrets, timeframes });
  else {
    state = await readMigrationState(driver, secrets);
    requireCurrent(state, driver.target);
  }
  let access: RoleAccess;
  try {
    access = await missingPrivileges(driver, timeframes);
  } catch (e) {
    throw storageFailed(`checking the privileges of the role on ${driver.target}`, e, secrets);
  }
  // Told not to migrate a database the store never migrated, with tables missing: a missing table is what `migrate`
  // would create, which matters more than grants on the tables that do exist (the owner grants after migrating).
  if (state && !state.tracked && access.absent.length > 0) await discover(driver, timeframes, secrets, state);
  if (access.missing.length > 0) throw privilegesMissing(access.role, access.missing, driver.target);
  return { migrations, schema: await discover(driver, timeframes, secrets, state) };
}

async function discover(
  driver: Driver,
  timeframes: readonly Timeframe[],
  secrets: readonly string[],
  state: MigrationState | undefined,
): Promise<StoreSchema> {
  try {
    return await discoverSchema(driver, timeframes);
  } catch (e) {
    if (state && !state.tracked && isStoreError(e, 'SCHEMA_MISSING_TABLE'))
      throw migrationRequired(driver.target, state.role, e.message, e.table);
    throw storageFailed(`reading the schema of ${driver.target}`, e, secrets);
  }
}
