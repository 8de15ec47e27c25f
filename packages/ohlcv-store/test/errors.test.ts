/**
 * How a failed statement is classified (pure functions): the connection kind becomes STORE_UNAVAILABLE (retryable),
 * a statement that lost a race stays STORAGE_FAILED retryable, a data error STORAGE_FAILED not retryable. The
 * database-backed proofs of the same rules are in unavailable.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isConnectionFailure, isStoreUnavailable, StoreError, storageFailed } from '../src/errors.js';

/** An error as node-postgres reports a server error: a message and a SQLSTATE `code`. */
function sqlError(code: string, message = `error ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** An error as Node reports a socket or DNS failure. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, syscall: 'connect' });
}

/** Failures of the connection kind, by name. */
const UNAVAILABLE: [string, unknown][] = [
  ['08000 connection_exception', sqlError('08000')],
  ['08003 connection_does_not_exist', sqlError('08003')],
  ['08006 connection_failure', sqlError('08006')],
  ['08P01 protocol_violation', sqlError('08P01')],
  ['57P01 admin_shutdown (pg_terminate_backend)', sqlError('57P01', 'terminating connection due to administrator command')],
  ['57P02 crash_shutdown', sqlError('57P02')],
  ['57P03 cannot_connect_now', sqlError('57P03', 'the database system is starting up')],
  ['53300 too_many_connections', sqlError('53300', 'too many connections for role "loader"')],
  ['25006 read_only_sql_transaction', sqlError('25006', 'cannot execute INSERT in a read-only transaction')],
  ...['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].map((code): [string, unknown] => [
    `socket ${code}`,
    socketError(code),
  ]),
  ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
  ['pg: Client has encountered a connection error', new Error('Client has encountered a connection error and is not queryable')],
  ['pg: timeout expired (the client connect timeout)', new Error('timeout expired')],
  ['pg-pool: timeout exceeded when trying to connect', new Error('timeout exceeded when trying to connect')],
  [
    'pg-pool: Connection terminated due to connection timeout',
    new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated') }),
  ],
  ['a wrapper whose cause is a lost connection', new Error('COPY failed', { cause: socketError('ECONNRESET') })],
  ['every address of a host refused (AggregateError, no message)', new AggregateError([socketError('ECONNREFUSED')], '')],
];

describe('storageFailed', () => {
  it.each(UNAVAILABLE)('%s is STORE_UNAVAILABLE, retryable', (_name, e) => {
    const wrapped = storageFailed('reading bars', e, [], 'ohlcv_daily');
    expect(wrapped).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, table: 'ohlcv_daily' });
    expect(wrapped.message.startsWith('reading bars failed: the database is unavailable: ')).toBe(true);
    expect(isConnectionFailure(e)).toBe(true);
    expect(isStoreUnavailable(wrapped)).toBe(true);
  });

  it.each([
    ['40001 serialization_failure', '40001'],
    ['40P01 deadlock_detected', '40P01'],
    ['55P03 lock_not_available', '55P03'],
  ])('%s stays STORAGE_FAILED, retryable', (_name, code) => {
    const wrapped = storageFailed('writing', sqlError(code));
    expect(wrapped).toMatchObject({ code: 'STORAGE_FAILED', retryable: true });
    expect(isStoreUnavailable(wrapped)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['22003 numeric_value_out_of_range', sqlError('22003', 'numeric field overflow')],
    ['23505 unique_violation', sqlError('23505')],
    ['23503 foreign_key_violation', sqlError('23503')],
    ['23514 check_violation', sqlError('23514')],
    ['22P02 invalid_text_representation', sqlError('22P02')],
    ['42703 undefined_column', sqlError('42703')],
    ['53100 disk_full', sqlError('53100')],
    ['ENOTFOUND (no such host: a configuration error)', socketError('ENOTFOUND')],
    ['a message merely mentioning a connection', new Error('Connection terminated unexpectedly, they said')],
    ['a pg message carried with a SQLSTATE of the data kind', sqlError('22003', 'Connection terminated unexpectedly')],
    ['pg: Client was closed (closed by the store itself)', new Error('Client was closed and is not queryable')],
    ['a thrown string', 'ECONNREFUSED'],
  ])('%s is STORAGE_FAILED, not retryable', (_name, e) => {
    const wrapped = storageFailed('writing', e);
    expect(wrapped).toMatchObject({ code: 'STORAGE_FAILED', retryable: false });
    expect(isConnectionFailure(e)).toBe(false);
    expect(isStoreUnavailable(wrapped)).toBe(false);
  });

  it('redacts passwords from a STORE_UNAVAILABLE message and its cause', () => {
    const e = sqlError('08006', 'could not reach postgres://loader:hunter2-secret@db:5432/tickstock with password=hunter2-secret');
    const wrapped = storageFailed('checking the database', e, ['hunter2-secret']);
    expect(wrapped.message).toBe(
      'checking the database failed: the database is unavailable: could not reach postgres://loader:[REDACTED]@db:5432/tickstock with password=[REDACTED]',
    );
    expect((wrapped.cause as Error).message).not.toContain('hunter2');
    expect((wrapped.cause as { code?: string }).code).toBe('08006');
  });

  it('names every refused address of an AggregateError', () => {
    const e = new AggregateError(
      [socketError('ECONNREFUSED'), Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })],
      '',
    );
    expect(storageFailed('checking the database', e).message).toBe(
      'checking the database failed: the database is unavailable: connect ECONNREFUSED 10.0.0.1:5432; connect ECONNREFUSED ::1:5432',
    );
  });

  it('returns a StoreError as it is', () => {
    const own = new StoreError('INVALID_ARGUMENT', 'bad');
    expect(storageFailed('writing', own)).toBe(own);
  });
});

describe('isStoreUnavailable', () => {
  it('is true for STORE_UNAVAILABLE and CONNECTION_FAILED store errors only', () => {
    expect(isStoreUnavailable(new StoreError('STORE_UNAVAILABLE', 'x'))).toBe(true);
    expect(isStoreUnavailable(new StoreError('CONNECTION_FAILED', 'x'))).toBe(true);
    expect(isStoreUnavailable(new StoreError('STORAGE_FAILED', 'x', { retryable: true }))).toBe(false);
    expect(isStoreUnavailable(new StoreError('ROWS_NOT_STORED', 'x'))).toBe(false);
    expect(isStoreUnavailable(Object.assign(new Error('x'), { code: 'STORE_UNAVAILABLE' }))).toBe(false);
    expect(isStoreUnavailable(undefined)).toBe(false);
  });

  it('STORE_UNAVAILABLE is retryable by default, ROWS_NOT_STORED is not', () => {
    expect(new StoreError('STORE_UNAVAILABLE', 'x').retryable).toBe(true);
    expect(new StoreError('ROWS_NOT_STORED', 'x').retryable).toBe(false);
  });
});
