/** Turns the protocol's normalised `DataLoadRequest` into the engine's `LoadJob`. */
import type { DataLoadRequest } from '@tickstock/job-protocol';

/**
 * A request as the worker queues it: everything normalised, without `raw` (the message as received, which may hold
 * arbitrary extra fields, even nested deeper than JSON serialisation allows; nothing downstream reads it).
 */
export type QueuedRequest = Omit<DataLoadRequest, 'raw'>;

/** The request without its raw message. */
export function queuedRequest({ raw: _raw, ...request }: DataLoadRequest): QueuedRequest {
  return request;
}

import { TIMEFRAMES } from '@tickstock/market-time';
import type { LoadJob, SymbolSource, TimeframeRange } from '../engine/types.js';

export function loadJobFromRequest(request: QueuedRequest): LoadJob {
  const t = request.target;
  const source: SymbolSource =
    t.kind === 'symbols'
      ? { kind: 'symbols', symbols: t.symbols }
      : t.kind === 'csv_file'
        ? { kind: 'csv', file: t.csvFile }
        : { kind: 'universe', name: t.universeType };
  const ranges: TimeframeRange[] = [];
  for (const timeframe of TIMEFRAMES) {
    const r = request.ranges[timeframe];
    if (request.timeframes.includes(timeframe) && r) ranges.push({ timeframe, from: r.from, to: r.to });
  }
  return { jobId: request.jobId, jobType: request.jobType, source, ranges, requestedBy: request.requestedBy ?? undefined };
}

/** Names for `data_import_started.universe_names`. */
export function universeNames(request: QueuedRequest): string[] {
  const t = request.target;
  if (t.kind === 'csv_file') return [t.csvFile];
  if (t.kind === 'universe') return [t.universeType];
  return [request.universeKey ?? request.source ?? 'symbols'];
}
