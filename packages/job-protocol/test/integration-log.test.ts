import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIntegrationEvent, type QueryFunction } from '../src/index.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('jp');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

const event = {
  flowId: '9c3f4e2a-1b7d-4c8e-a5f6-0d2b3c4e5f6a',
  eventType: 'pattern_detected',
  source: 'TickStockPL',
  checkpoint: 'PATTERN_PUBLISHED',
  channel: 'tickstock.events.patterns',
  symbol: 'AAPL',
  pattern: 'Doji',
  confidence: 0.85,
  details: { tier: 'daily' },
};

describe('logIntegrationEvent', () => {
  it('resolves false and never fails when log_integration_event does not exist, checking pg_proc only once', async () => {
    const sql: string[] = [];
    const query: QueryFunction = async (text, params) => {
      sql.push(text);
      return client.query(text, params);
    };
    expect(await logIntegrationEvent(query, event)).toBe(false);
    expect(await logIntegrationEvent(query, event)).toBe(false);
    expect(sql).toEqual(["SELECT 1 AS found FROM pg_proc WHERE proname = 'log_integration_event' LIMIT 1"]);
  });

  it('calls the function with all ten arguments when it exists', async () => {
    await client.query(`CREATE TABLE integration_events (flow_id uuid, event_type text, source text, checkpoint text, channel text,
      symbol text, pattern text, confidence numeric, user_count integer, details jsonb)`);
    await client.query(`CREATE FUNCTION log_integration_event(p_flow_id uuid, p_event_type text, p_source text, p_checkpoint text,
      p_channel text, p_symbol text, p_pattern text, p_confidence numeric, p_user_count integer, p_details jsonb) RETURNS void AS $$
      INSERT INTO integration_events VALUES (p_flow_id, p_event_type, p_source, p_checkpoint, p_channel, p_symbol, p_pattern, p_confidence, p_user_count, p_details)
      $$ LANGUAGE sql`);
    const query: QueryFunction = (text, params) => client.query(text, params); // a new function: checked afresh
    expect(await logIntegrationEvent(query, event)).toBe(true);
    const { rows } = await client.query(
      'SELECT flow_id, event_type, symbol, pattern, confidence::float AS confidence, user_count, details FROM integration_events',
    );
    expect(rows).toEqual([
      {
        flow_id: '9c3f4e2a-1b7d-4c8e-a5f6-0d2b3c4e5f6a',
        event_type: 'pattern_detected',
        symbol: 'AAPL',
        pattern: 'Doji',
        confidence: 0.85,
        user_count: null,
        details: { tier: 'daily' },
      },
    ]);
  });

  it('resolves false, and tells onError, when the call itself fails', async () => {
    const errors: Error[] = [];
    const query: QueryFunction = (text, params) => client.query(text, params);
    expect(await logIntegrationEvent(query, { ...event, flowId: 'not-a-uuid' }, { onError: (e) => errors.push(e) })).toBe(false);
    expect(errors[0]?.message).toMatch(/invalid input syntax for type uuid/);
  });

  it('resolves false when the query function itself fails', async () => {
    const errors: Error[] = [];
    const broken: QueryFunction = async () => {
      throw new Error('connection refused');
    };
    expect(await logIntegrationEvent(broken, event, { onError: (e) => errors.push(e) })).toBe(false);
    expect(errors.map((e) => e.message)).toEqual(['connection refused']);
  });
});
