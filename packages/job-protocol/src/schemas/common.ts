/** Field schemas shared by several messages. Wire schemas only: no transforms, so each converts to JSON Schema. */
import { TIMEFRAMES } from '@tickstock/market-time';
import * as z from 'zod';

/** Most symbols one job may name. */
export const MAX_SYMBOLS_PER_JOB = 10_000;

/** Longest symbol, after trimming: the `symbols.symbol` column is VARCHAR(20). */
export const MAX_SYMBOL_LENGTH = 20;

/** Largest `years` accepted: Massive serves no US equity history older than that, and more is a typo. */
export const MAX_YEARS = 50;

/**
 * A ticker in Massive's forms: letters, digits, `.` and `-` (`BRK.B`, `BF-B`), with an optional one- or two-letter
 * prefix and a colon (`X:BTCUSD`, `C:EURUSD`, `I:SPX`, `O:...`); at most 20 characters after trimming. Case and
 * surrounding spaces are forgiven (normalisation trims and upper-cases); spaces inside, `;`, quotes and slashes are not.
 */
export const SYMBOL_PATTERN = /^\s*(?=[A-Za-z0-9.:-]{1,20}\s*$)(?:[A-Za-z]{1,2}:)?[A-Za-z0-9][A-Za-z0-9.-]*\s*$/;

/** A job id: a UUID, or an older form such as `job_20241030_145623_abc123`; printable ASCII without spaces, 1-128 characters. */
export const JOB_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * A CSV universe file: a plain file name ending in `.csv` (`sp_500.csv`), never a path: no `/`, `\`, `..`, and no
 * leading dot. Files are read only from the configured universe directory.
 */
export const CSV_FILE_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,123}\.[cC][sS][vV]$/;

/** The timeframes a data-load job may ask for: `@tickstock/market-time`'s one vocabulary, whose names are the wire's. */
export { TIMEFRAMES, type Timeframe } from '@tickstock/market-time';

/** Universes a `universe_seed` job may name. */
export const UNIVERSE_TYPES = ['SP500', 'NASDAQ100', 'ETF'] as const;
/** A universe of {@link UNIVERSE_TYPES}. */
export type UniverseType = (typeof UNIVERSE_TYPES)[number];

export const symbolSchema = z.string().regex(SYMBOL_PATTERN);
export const symbolListSchema = z.array(symbolSchema).max(MAX_SYMBOLS_PER_JOB);
export const jobIdSchema = z.string().regex(JOB_ID_PATTERN);
export const timeframeSchema = z.enum(TIMEFRAMES);
export const yearsSchema = z.number().gt(0).lte(MAX_YEARS);
export const csvFileSchema = z.string().regex(CSV_FILE_PATTERN);
export const universeTypeSchema = z.enum(UNIVERSE_TYPES);

/** The app's timestamps are naive local time (`2025-12-23T12:15:13.634000`); accept any string or epoch number. */
export const looseTimestampSchema = z.union([z.string(), z.number()]);

/** An ISO 8601 date-time, with `Z`/offset or naive. What this side writes always carries `Z`. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true, local: true });

/** The app sends booleans, and in hashes the strings `true`/`false`. */
export const looseBooleanSchema = z.union([z.boolean(), z.string()]);

/** A UUID of any version (8-4-4-4-12 hex). */
export const uuidSchema = z.guid();

/** Free-form JSON object. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** A non-negative integer count. */
export const countSchema = z.number().int().min(0);
