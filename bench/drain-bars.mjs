/**
 * Preloaded (`node --import`) into the built `tickstock worker` for the end-to-end bench's fetch-only rounds: the
 * worker runs exactly as deployed (job queue over Redis, shared rate limiter, progress and status records) except
 * that bars and symbol details are not written. Bars are consumed from the API as the real store consumes them and
 * counted, so the job reports the same totals. Never used outside the bench.
 */
import { OhlcvStore } from '../packages/ohlcv-store/dist/index.js';

OhlcvStore.prototype.upsertBars = async function drainBars(timeframe, _symbol, bars) {
  let n = 0;
  for await (const _ of bars) n++;
  return {
    timeframe,
    received: n,
    written: n,
    inserted: n,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    rejected: 0,
    rejectedByReason: {},
    rejectedSamples: [],
    batches: 0,
  };
};

OhlcvStore.prototype.registerSymbols = async function skipSymbols(metas) {
  return { registered: metas.length, ignoredFields: [] };
};
