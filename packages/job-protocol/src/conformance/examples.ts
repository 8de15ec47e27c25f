/**
 * Example messages, as text. The ones marked "contract" are CONTRACT.md §3's examples verbatim; the others follow
 * the contract's field lists. Tests parse these exact strings; `pnpm run conformance` writes them to conformance/examples.
 */

/** contract: the app's live form of a job. */
export const LIVE_APP_JOB = `{"job_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "job_type": "csv_universe_load", "source": "DIA", "universe_key": "DIA",
 "symbols": ["AAPL", "MSFT"], "timeframes": ["1min", "hour", "day", "week", "month"], "years": 0.003,
 "run_analysis_after_import": false, "requested_by": "admin", "timestamp": "2025-12-23T12:15:13.634000"}`;

/** The legacy csv_universe_load: csv_file and universe_type instead of symbols, an old job_id form, no timeframes. */
export const LEGACY_CSV_JOB = `{"job_id": "job_20241030_145623_abc123", "job_type": "csv_universe_load", "csv_file": "sp_500.csv", "universe_type": "sp_500", "years": 1, "include_ohlcv": true, "requested_by": "admin"}`;

/** historical_load: one timespan. */
export const HISTORICAL_LOAD_JOB = `{"job_id": "3f1c2b4a-9d8e-4f7a-b6c5-1a2b3c4d5e6f", "job_type": "historical_load", "symbols": ["AAPL", "SPY"], "years": 0.25, "timespan": "day", "requested_by": "admin", "timestamp": "2025-12-23T12:20:00.000000"}`;

/** multi_timeframe_load without timeframes: the default hour and day. */
export const MULTI_TIMEFRAME_JOB = `{"job_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "job_type": "multi_timeframe_load", "symbols": ["NVDA"], "years": 0.08, "requested_by": "admin"}`;

/** universe_seed. */
export const UNIVERSE_SEED_JOB = `{"job_id": "job_20250105_090000_seed01", "job_type": "universe_seed", "universe_type": "NASDAQ100", "years": 2}`;

/** contract: cancel one job. */
export const CANCEL_JOB = `{"job_id": "...", "action": "cancel", "requested_by": "...", "timestamp": "..."}`;

/** contract: cancel every job. */
export const CANCEL_ALL = `{"command": "cancel_all", "reason": "..."}`;

/** contract: a job status (the JSON-string key, and the message on tickstock.jobs.status). */
export const JOB_STATUS = `{"job_id": "...", "job_type": "csv_universe_load", "status": "running", "progress": 45, "message": "Loaded AAPL",
   "total_symbols": 500, "processed_symbols": 225, "current_symbol": "AAPL", "successful_symbols": ["AAPL"],
   "failed_symbols": ["XYZ"], "error_message": null, "symbols_loaded": 224, "ohlcv_records_loaded": 81234,
   "started_at": "2025-12-23T17:15:14Z", "timestamp": "2025-12-23T17:16:02Z", "completed_at": null}`;

/** The hash the app pre-writes at tickstock.jobs.status:{id} right after publishing a job. */
export const APP_PREWRITTEN_STATUS_HASH = `{"status": "submitted", "progress": "0", "message": "Job submitted to processing queue", "description": "Load 2 symbols", "submitted_at": "2025-12-23T12:15:13.640000"}`;

/** A finished, partly failed job as the app's pages end it: completed, with has_errors and the failed symbols listed. */
export const JOB_STATUS_COMPLETED_WITH_ERRORS = `{"job_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "job_type": "csv_universe_load", "status": "completed", "progress": 100, "message": "completed: 498 of 500 symbols loaded, 2 failed", "total_symbols": 500, "processed_symbols": 500, "current_symbol": null, "successful_symbols": ["AAPL"], "failed_symbols": ["XYZ", "QQQQ"], "interrupted_symbols": [], "error_message": "completed: 498 of 500 symbols loaded, 2 failed", "symbols_loaded": 498, "ohlcv_records_loaded": 181002, "started_at": "2025-12-23T17:15:14Z", "timestamp": "2025-12-23T17:18:40Z", "completed_at": "2025-12-23T17:18:40Z", "has_errors": true}`;

/** The app's own job:status:{id} (its CSV universe route writes it, SETEX 7200) as the worker keeps it current. */
export const APP_JOB_STATUS = `{"description": "Loading sp_500.csv with 1 year(s) of OHLCV data", "submitted_at": "2025-12-23T12:15:13.640000", "job_id": "job_20251223_121513_csv001", "job_type": "csv_universe_load", "status": "running", "progress": 45, "message": "Loaded AAPL", "total_symbols": 503, "processed_symbols": 226, "current_symbol": "AAPL", "successful_symbols": ["AAPL"], "failed_symbols": [], "error_message": null, "symbols_loaded": 226, "ohlcv_records_loaded": 81234, "started_at": "2025-12-23T17:15:14Z", "timestamp": "2025-12-23T17:16:02Z", "completed_at": null}`;

/** The worker's job:{id} hash mirror of JOB_STATUS (every value a string). */
export const JOB_STATUS_HASH = `{"job_id": "...", "job_type": "csv_universe_load", "status": "running", "progress": "45", "message": "Loaded AAPL", "total_symbols": "500", "processed_symbols": "225", "current_symbol": "AAPL", "successful_symbols": "[\\"AAPL\\"]", "failed_symbols": "[\\"XYZ\\"]", "error_message": "", "symbols_loaded": "224", "ohlcv_records_loaded": "81234", "started_at": "2025-12-23T17:15:14Z", "timestamp": "2025-12-23T17:16:02Z", "completed_at": ""}`;

export const JOB_PROGRESS_UPDATE = `{"event": "job_progress_update", "timestamp": "2025-12-23T17:16:02.000Z", "source": "TickStockPL.data_import", "version": "1.0", "payload": {"run_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "phase": "data_import", "total_symbols": 500, "completed": 224, "failed": 1, "processed": 225, "remaining": 275, "percentage": 45, "interrupted": 0, "current_symbol": "AAPL", "estimated_completion": "2025-12-23T17:17:05.000Z", "avg_processing_time_ms": 213.5}}`;

export const SYMBOL_PROCESSING_COMPLETE = `{"event": "symbol_processing_complete", "timestamp": "2025-12-23T17:16:02.000Z", "source": "TickStockPL.data_import", "version": "1.0", "payload": {"run_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "symbol": "AAPL", "success": true, "timeframes_processed": ["hour", "day", "week", "month"], "records_imported": 362, "processing_time_ms": 1840}}`;

export const DATA_IMPORT_STARTED = `{"event": "data_import_started", "timestamp": "2025-12-23T17:15:14.000Z", "source": "TickStockPL.data_import", "version": "1.0", "payload": {"run_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "universe_names": ["DIA"], "total_symbols": 2, "timeframes": ["1min", "hour", "day", "week", "month"], "lookback_days": {"1min": 1, "hour": 1, "day": 1, "week": 1, "month": 1}}}`;

export const DATA_IMPORT_COMPLETED = `{"event": "data_import_completed", "timestamp": "2025-12-23T17:18:40.000Z", "source": "TickStockPL.data_import", "version": "1.0", "payload": {"run_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "duration_seconds": 206.4, "total_symbols": 500, "successful_symbols": 498, "failed_symbols": 2, "success_count": 498, "failure_count": 2, "interrupted_symbols": 0, "total_records_imported": 181002, "success_rate": 99.6, "status": "completed", "has_errors": true}}`;

export const ERROR_EVENT = `{"error_id": "0b8e7c1e-5d3a-4f2b-9a6c-2d1e0f9a8b7c", "source": "TickStockPL", "severity": "warning", "category": "API_RATE_LIMIT", "message": "Massive API rate limit reached; retrying in 12 s", "component": "massive-client", "context": {"code": "API_RATE_LIMIT", "job_id": "e33cca95-c71a-44ce-a377-3b232fa379ae", "symbol": "AAPL", "retry_after_s": 12}, "timestamp": "2025-12-23T17:16:03.120Z"}`;

/** Passes the app's `validate_pattern_event_structure` (every data field it requires, `data.source` the tier). */
export const PATTERN_EVENT = `{"event_type": "pattern_detected", "source": "TickStockPL", "timestamp": 1766510162.634, "data": {"symbol": "AAPL", "pattern": "Doji", "confidence": 0.85, "flow_id": "9c3f4e2a-1b7d-4c8e-a5f6-0d2b3c4e5f6a", "source": "daily", "tier": "daily", "price_change": 1.2, "current_price": 272.15, "volume": 41234567, "timestamp": 1766510100.0, "expires_at": 1766769300.0, "indicators": {"relative_strength": 1.3, "relative_volume": 0.9, "rsi": 61.2}}}`;

export const BACKTESTING_PROGRESS = `{"job_id": "bt_20251223_171500_x1", "progress": 0.42, "current_symbol": "MSFT", "estimated_completion": "2025-12-23T17:30:00Z"}`;

export const BACKTESTING_RESULTS = `{"job_id": "bt_20251223_171500_x1", "status": "completed", "results": {"sharpe": 1.31, "trades": 48}}`;

/** A METRIC_UPDATE for the app's monitoring dashboard (MonitoringSubscriber, monitoring_dashboard.js). */
export const METRIC_UPDATE = `{"event_type": "METRIC_UPDATE", "timestamp": "2025-12-23T17:16:00.000Z", "source": "TickStockPL", "metrics": {"system": {"cpu_percent": 12.5, "memory_percent": 0.7, "memory_mb": 168.2, "thread_count": 11}, "application": {"symbols_processed": 225, "active_timeframes": ["hourly", "daily", "weekly", "monthly"], "jobs_running": 1, "queue_depth": 278, "symbols_per_minute": 41.5, "api_requests_per_minute": 4980, "api_budget_used": 0.83, "error_rate": 0.004}, "processing": {"queue_depth": 278}, "database": {"connected": true, "query_avg_ms": 1.4, "active_connections": 4, "slow_queries_count": 0}, "redis": {"connected": true, "latency_ms": 0.3, "connected_clients": 12, "messages_per_second": 3.2}}, "health_score": {"overall": 100, "status": "HEALTHY", "components": {"database": 100, "redis": 100, "memory": 99}}}`;

/** A HEALTH_CHECK: every healthy component is "OK". */
export const HEALTH_CHECK = `{"event_type": "HEALTH_CHECK", "timestamp": "2025-12-23T17:16:00.000Z", "source": "TickStockPL", "health": {"overall_score": 100, "status": "HEALTHY", "uptime_seconds": 3600, "components": {"database": {"status": "OK", "details": {"latency_ms": 1.1}}, "redis": {"status": "OK", "details": {"latency_ms": 0.3}}, "massive_api": {"status": "OK", "details": {"errors_last_minute": 0}}}}}`;

/** A SYSTEM_STATUS: RUNNING is the normal value. */
export const SYSTEM_STATUS = `{"event_type": "SYSTEM_STATUS", "timestamp": "2025-12-23T17:16:00.000Z", "source": "TickStockPL", "status": "RUNNING", "details": {"worker": "host-1234", "jobs_running": 1}}`;

/** The app's request for a fresh health check on tickstock:monitoring:control. */
export const FORCE_HEALTH_CHECK = `{"action": "FORCE_HEALTH_CHECK", "requested_by": "admin", "timestamp": "2025-12-23T12:16:00.120000"}`;

export const HEALTH_STATUS = `{"source": "TickStockPL", "status": "healthy", "timestamp": "2025-12-23T17:16:00.000Z", "details": {"active_jobs": 1}}`;

export const HEARTBEAT_VALUE = `"1766510162.634"`;
