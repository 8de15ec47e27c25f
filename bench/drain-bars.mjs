/**
 * Preloaded (`node --import`) into the built `tickstock worker` for the end-to-end bench's fetch-only rounds: the
 * worker runs exactly as deployed (job queue over Redis, shared rate limiter, progress and status records) except
 * that bars and symbol details are not written. Bars are consumed from the API as the real store consumes them and
 * counted, so the job reports the same totals. Never used outside the bench.
 */
import { OhlcvStore } from '../packages/ohlcv-store/dist/index.js';

const upsertBars = OhlcvStore.prototype.upsertBars;
OhlcvStore.prototype.upsertBars = async function drainBars(timeframe, symbol, bars) {
  let n = 0;
  for await (const _ of bars) n++;
  // The report of an empty write (no statement is sent), counted as if every bar had been inserted.
  const report = await upsertBars.call(this, timeframe, symbol, []);
  return { ...report, received: n, written: n, inserted: n };
};

OhlcvStore.prototype.registerSymbols = async function skipSymbols(metas) {
  return { registered: metas.length, ignoredFields: [] };
};
