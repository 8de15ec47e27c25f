/**
 * What a connection pooler answers to statements it cannot pool, recognised so the store can say which setting to
 * change instead of passing on a bare SQLSTATE (or, worse, taking it for a lost connection and waiting for ever):
 *
 * - named prepared statements through a pooler in transaction or statement mode that does not track them (PgBouncer
 *   before 1.21, or with `max_prepared_statements = 0`): one client's statement lands on a server connection that
 *   already has it (42P05 duplicate_prepared_statement) or lacks it (26000 invalid_sql_statement_name). The store's
 *   only named statements are its prepared ones, so these codes can only come from them.
 * - a transaction through PgBouncer in statement mode: 08P01 "transaction blocks not allowed in statement pooling
 *   mode" (PgBouncer then closes the connection). Class 08 reads as a lost connection, but this one never heals.
 */

/** Which refusal it was; the value is the `StoreError` code it becomes. */
export type PoolerRefusal = 'PREPARED_STATEMENTS_REFUSED' | 'POOL_MODE_UNSUPPORTED';

const PREPARED_STATEMENT_SQLSTATES: ReadonlySet<string> = new Set(['42P05', '26000']);
const STATEMENT_MODE = /statement pooling mode/i;

/** The pooler refusal `e` (or its `cause` chain) is, if any. */
export function poolerRefusal(e: unknown, depth = 0): PoolerRefusal | undefined {
  if (e === null || typeof e !== 'object' || depth > 4) return undefined;
  const o = e as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof o.code === 'string') {
    if (PREPARED_STATEMENT_SQLSTATES.has(o.code)) return 'PREPARED_STATEMENTS_REFUSED';
    if (o.code === '08P01' && typeof o.message === 'string' && STATEMENT_MODE.test(o.message)) return 'POOL_MODE_UNSUPPORTED';
  }
  return o.cause === undefined ? undefined : poolerRefusal(o.cause, depth + 1);
}

/** What to change, for the message of each refusal. */
export const POOLER_ADVICE: Readonly<Record<PoolerRefusal, string>> = {
  PREPARED_STATEMENTS_REFUSED:
    "the database refused one of the store's prepared statements: a connection pooler in transaction or statement mode that does not track prepared statements (PgBouncer before 1.21, or with max_prepared_statements = 0) is the likely cause. Set TICKSTOCK_PREPARED_STATEMENTS=false (library option preparedStatements: false), or pool in session mode",
  POOL_MODE_UNSUPPORTED:
    'the connection pooler refused a transaction: the store writes and migrates in transactions, which statement pooling (PgBouncer pool_mode = statement) does not allow. Use pool_mode = transaction (with TICKSTOCK_PREPARED_STATEMENTS=false, library option preparedStatements: false) or pool_mode = session',
};
