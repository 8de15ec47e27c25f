/** Optional logging to the app's `log_integration_event(...)` database function, which newer app databases dropped. */

/** A query function such as `pg.Pool#query` or `pg.Client#query`: parameters as `$1...$n`. */
export type QueryFunction = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** The arguments of `log_integration_event(flow_id, event_type, source, checkpoint, channel, symbol, pattern, confidence, user_count, details)`. */
export interface IntegrationEvent {
  flowId: string;
  eventType: string;
  source: string;
  checkpoint: string;
  channel: string;
  symbol?: string | null;
  pattern?: string | null;
  confidence?: number | null;
  userCount?: number | null;
  details?: Record<string, unknown> | null;
}

const available = new WeakMap<QueryFunction, Promise<boolean>>();

/**
 * Calls `log_integration_event(...)` when that function exists in the database: existence is checked once per query
 * function (in `pg_proc`) and remembered. Never fails: resolves false when the function is missing, or when the check or
 * the call fails (`onError` hears why); true when the event was logged.
 */
export async function logIntegrationEvent(
  query: QueryFunction,
  event: IntegrationEvent,
  options: { onError?: (error: Error) => void } = {},
): Promise<boolean> {
  let exists = available.get(query);
  if (!exists) {
    exists = query("SELECT 1 AS found FROM pg_proc WHERE proname = 'log_integration_event' LIMIT 1").then(
      (r) => r.rows.length > 0,
      (e: unknown) => {
        options.onError?.(e as Error);
        return false;
      },
    );
    available.set(query, exists);
  }
  if (!(await exists)) return false;
  try {
    await query('SELECT log_integration_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
      event.flowId,
      event.eventType,
      event.source,
      event.checkpoint,
      event.channel,
      event.symbol ?? null,
      event.pattern ?? null,
      event.confidence ?? null,
      event.userCount ?? null,
      event.details == null ? null : JSON.stringify(event.details),
    ]);
    return true;
  } catch (e) {
    options.onError?.(e as Error);
    return false;
  }
}
