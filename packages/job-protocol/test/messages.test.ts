import { describe, expect, it } from 'vitest';
import * as ex from '../src/conformance/examples.js';
import {
  CHANNELS,
  DATA_LOAD_STREAM_FIELD,
  DATA_LOAD_STREAM_GROUP,
  jobClaimKey,
  jobHashKey,
  jobMetadataKey,
  jobStatusKey,
  jobStatusToHash,
  KEYS,
  parseBacktestingProgress,
  parseBacktestingResults,
  parseControlMessage,
  parseErrorEvent,
  parseHealthStatus,
  parseJobStatus,
  parseJobStatusHash,
  parseMonitoringEvent,
  parsePatternEvent,
} from '../src/index.js';

describe('names', () => {
  it('channels are the contract names', () => {
    expect(CHANNELS).toEqual({
      dataLoad: 'tickstock.jobs.data_load',
      control: 'tickstock.jobs.control',
      jobStatus: 'tickstock.jobs.status',
      monitoring: 'tickstock:monitoring',
      monitoringControl: 'tickstock:monitoring:control',
      dataImportStatus: 'tickstock:data:import:status',
      importStarted: 'tickstock:import:started',
      importCompleted: 'tickstock:import:completed',
      errors: 'tickstock:errors',
      patterns: 'tickstock.events.patterns',
      backtestingProgress: 'tickstock.events.backtesting.progress',
      backtestingResults: 'tickstock.events.backtesting.results',
      healthStatus: 'tickstock.health.status',
    });
  });

  it('keys and key builders', () => {
    expect(KEYS).toEqual({
      producerHeartbeat: 'tickstock:producer:heartbeat',
      plHeartbeat: 'tickstockpl:heartbeat',
      dataLoadStream: 'tickstock.jobs.data_load.stream',
    });
    expect(jobStatusKey('abc')).toBe('tickstock.jobs.status:abc');
    expect(jobHashKey('abc')).toBe('job:abc');
    expect(jobMetadataKey('abc')).toBe('tickstock.jobs.metadata:abc');
    expect(jobClaimKey('abc')).toBe('tickstock.jobs.claimed:abc');
    expect(DATA_LOAD_STREAM_GROUP).toBe('tickstock-data-load-workers');
    expect(DATA_LOAD_STREAM_FIELD).toBe('job');
  });
});

describe('control messages', () => {
  it('the contract cancel message round-trips unchanged', () => {
    const r = parseControlMessage(ex.CANCEL_JOB);
    expect(r).toEqual({ ok: true, value: { job_id: '...', action: 'cancel', requested_by: '...', timestamp: '...' } });
    expect(JSON.parse(JSON.stringify(r.ok && r.value))).toEqual(JSON.parse(ex.CANCEL_JOB));
  });

  it('the contract cancel_all message round-trips unchanged', () => {
    expect(parseControlMessage(ex.CANCEL_ALL)).toEqual({ ok: true, value: { command: 'cancel_all', reason: '...' } });
  });

  it.each([
    ['cancel without job_id', { action: 'cancel' }, 'JOB_ID_MISSING', 'job_id'],
    ['an unknown action', { job_id: 'a', action: 'pause' }, 'CONTROL_INVALID', 'action'],
    ['an unknown command', { command: 'reboot' }, 'CONTROL_INVALID', 'command'],
    ['neither action nor command', { job_id: 'a' }, 'CONTROL_INVALID', ''],
    ['invalid JSON', '{"action":', 'INVALID_JSON', ''],
  ])('%s is rejected with %s', (_name, input, code, path) => {
    const r = parseControlMessage(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatchObject({ code, path });
  });
});

describe('job status', () => {
  it('the contract status JSON round-trips unchanged (key value and channel message alike)', () => {
    const r = parseJobStatus(ex.JOB_STATUS);
    expect(r.ok).toBe(true);
    expect(r.ok && JSON.parse(JSON.stringify(r.value))).toEqual(JSON.parse(ex.JOB_STATUS));
  });

  it('to the hash form and back: every value a string, lists as JSON, null as ""', () => {
    const status = JSON.parse(ex.JOB_STATUS) as Record<string, unknown>;
    const hash = jobStatusToHash(status);
    expect(hash).toEqual(JSON.parse(ex.JOB_STATUS_HASH));
    const back = parseJobStatusHash(hash);
    expect(back).toEqual({ ok: true, value: status });
  });

  it('reads the app\'s pre-written hash (status submitted, progress "0")', () => {
    const r = parseJobStatusHash(JSON.parse(ex.APP_PREWRITTEN_STATUS_HASH));
    expect(r).toEqual({
      ok: true,
      value: {
        status: 'submitted',
        progress: 0,
        message: 'Job submitted to processing queue',
        description: 'Load 2 symbols',
        submitted_at: '2025-12-23T12:15:13.640000',
      },
    });
  });

  it.each([
    ['progress 101', { progress: 101 }, 'progress'],
    ['progress 4.5', { progress: 4.5 }, 'progress'],
    ['an unknown status', { status: 'processing' }, 'status'],
    ['completed_at a number', { completed_at: 1766510162 }, 'completed_at'],
    ['completed_at not a date', { completed_at: 'yesterday' }, 'completed_at'],
  ])('rejects %s', (_name, patch, path) => {
    const r = parseJobStatus({ ...JSON.parse(ex.JOB_STATUS), ...patch });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]?.path).toBe(path);
  });

  it('rejects a hash whose counts are not numbers', () => {
    const r = parseJobStatusHash({ status: 'running', progress: 'forty' });
    expect(r).toEqual({ ok: false, errors: [{ code: 'WRONG_TYPE', path: 'progress', message: 'progress "forty" is not a number' }] });
  });
});

describe('events round-trip', () => {
  it.each([
    ['job_progress_update', ex.JOB_PROGRESS_UPDATE],
    ['symbol_processing_complete', ex.SYMBOL_PROCESSING_COMPLETE],
    ['data_import_started', ex.DATA_IMPORT_STARTED],
    ['data_import_completed', ex.DATA_IMPORT_COMPLETED],
  ])('monitoring %s', (event, text) => {
    const r = parseMonitoringEvent(text);
    expect(r.ok && r.value.event).toBe(event);
    expect(r.ok && JSON.parse(JSON.stringify(r.value))).toEqual(JSON.parse(text));
  });

  it('a monitoring event with a wrong version or a payload of another event is rejected', () => {
    const e = JSON.parse(ex.JOB_PROGRESS_UPDATE);
    expect(parseMonitoringEvent({ ...e, version: '2.0' }).ok).toBe(false);
    expect(parseMonitoringEvent({ ...e, event: 'data_import_completed' }).ok).toBe(false);
  });

  it('error event', () => {
    const r = parseErrorEvent(ex.ERROR_EVENT);
    expect(r.ok && JSON.parse(JSON.stringify(r.value))).toEqual(JSON.parse(ex.ERROR_EVENT));
  });

  it.each(['error_id', 'source', 'severity', 'message', 'timestamp'])(
    'an error event without %s is rejected (the app would drop it)',
    (field) => {
      const e = JSON.parse(ex.ERROR_EVENT);
      delete e[field];
      const r = parseErrorEvent(e);
      expect(!r.ok && r.errors[0]).toMatchObject({ code: 'FIELD_MISSING', path: field });
    },
  );

  it('pattern event, with pattern (never pattern_name), confidence 0..1 and a UUID flow_id', () => {
    const r = parsePatternEvent(ex.PATTERN_EVENT);
    expect(r.ok && JSON.parse(JSON.stringify(r.value))).toEqual(JSON.parse(ex.PATTERN_EVENT));
    const e = JSON.parse(ex.PATTERN_EVENT);
    expect(parsePatternEvent({ ...e, data: { ...e.data, pattern_name: 'Doji' } }).ok).toBe(false);
    expect(parsePatternEvent({ ...e, data: { ...e.data, confidence: 85 } }).ok).toBe(false);
    expect(parsePatternEvent({ ...e, data: { ...e.data, flow_id: 'flow-1' } }).ok).toBe(false);
    expect(parsePatternEvent({ ...e, timestamp: '2025-12-23T17:16:02Z' }).ok).toBe(false);
  });

  it('backtesting progress (0..1) and results', () => {
    expect(parseBacktestingProgress(ex.BACKTESTING_PROGRESS)).toEqual({ ok: true, value: JSON.parse(ex.BACKTESTING_PROGRESS) });
    expect(parseBacktestingProgress({ job_id: 'b', progress: 42 }).ok).toBe(false);
    expect(parseBacktestingResults(ex.BACKTESTING_RESULTS)).toEqual({ ok: true, value: JSON.parse(ex.BACKTESTING_RESULTS) });
  });

  it('health status', () => {
    expect(parseHealthStatus(ex.HEALTH_STATUS)).toEqual({ ok: true, value: JSON.parse(ex.HEALTH_STATUS) });
  });
});
