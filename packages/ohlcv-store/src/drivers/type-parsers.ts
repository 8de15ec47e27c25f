/**
 * How DATE and TIMESTAMP(TZ) values come back from the database, set per connection (never globally): DATE as its
 * `YYYY-MM-DD` text, timestamps as Unix milliseconds. node-postgres would otherwise build JavaScript Dates at local
 * midnight for DATE values, which shifts days on machines west of UTC.
 */

/** PostgreSQL type oids the store parses itself. */
export const PG_OID = { DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184 } as const;

const TS_RE = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/**
 * Unix ms of a timestamp in PostgreSQL's ISO output form (`2024-03-10 05:00:00.123+00`, any offset). Values without
 * an offset (TIMESTAMP WITHOUT TIME ZONE) are read as UTC. `infinity` maps to ±Infinity.
 */
export function parseTimestampMs(text: string): number {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const m = TS_RE.exec(text);
  if (!m) return Date.parse(text);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year;
  const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  const utc = Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), 0);
  // Date.UTC maps years 0-99 to 1900-1999, so set the year separately.
  const d = new Date(utc);
  d.setUTCFullYear(year);
  let ms = d.getTime() + frac;
  if (m[8]) {
    const sign = m[8] === '-' ? -1 : 1;
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    ms -= sign * offset;
  }
  return ms;
}

/** The text parser for a type oid: DATE stays text, timestamps become ms; undefined for every other type. */
export function storeTextParser(oid: number): ((text: string) => unknown) | undefined {
  if (oid === PG_OID.DATE) return (text) => text;
  if (oid === PG_OID.TIMESTAMPTZ || oid === PG_OID.TIMESTAMP) return parseTimestampMs;
  return undefined;
}
