/**
 * Day bars as packed numbers: nine float64 per bar (timestamp, open, high, low, close, volume, vwap, transactions,
 * otc as 1 or 0; `NaN` where a bar has no volume, vwap or transactions), after an 8-byte header. The form a
 * grouped-daily pass holds a job's day bars in until each symbol loads (no object per bar), and the very bytes a
 * queue hands them on in: little-endian, so replicas on any machine read them alike.
 *
 * A grouped pass collects a whole job's bars into one {@link DayColumnsArena}: one allocation, freed whole, instead of
 * hundreds of small ones the allocator keeps after they are freed.
 */
import type { Bar } from '@tickstock/market-time';

/** Numbers per bar. */
const FIELDS = 9;
const BAR_BYTES = FIELDS * 8;
/** Bytes before the bars: format (1), reserved (3), bar count (uint32 LE). */
const HEADER = 8;
const FORMAT = 1;
/** True on the machines Node runs on in practice; elsewhere the bytes are converted on the way in and out. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A symbol's day bars, oldest first. */
export class DayColumns {
  private constructor(
    /** Header and bars, exactly. */
    private readonly bytes: Uint8Array,
    /** The bars' numbers (a view over `bytes`, in this machine's byte order). */
    private readonly values: Float64Array,
    /** Bars held. */
    readonly length: number,
  ) {}

  static readonly empty = DayColumns.wrap(new Uint8Array(HEADER), 0);

  /** The columns of `bars`, sorted oldest first. */
  static fromBars(bars: readonly Bar[]): DayColumns {
    const builder = new DayColumnsArena([bars.length]).builder(0);
    for (const bar of bars) builder.add(bar);
    return builder.build();
  }

  /** Columns read back from {@link toBytes} (copied); throws a `RangeError` naming what is wrong with other bytes. */
  static fromBytes(bytes: Uint8Array): DayColumns {
    if (bytes.byteLength < HEADER) throw new RangeError(`day columns: ${bytes.byteLength} bytes is shorter than the header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const format = view.getUint8(0);
    if (format !== FORMAT) throw new RangeError(`day columns: unknown format ${format} (this version reads ${FORMAT})`);
    const length = view.getUint32(4, true);
    const expected = HEADER + length * BAR_BYTES;
    if (bytes.byteLength !== expected) {
      throw new RangeError(`day columns: ${bytes.byteLength} bytes for ${length} bars (expected ${expected})`);
    }
    const copy = new Uint8Array(expected); // aligned for the float64 view
    copy.set(bytes);
    if (!LITTLE_ENDIAN) swapFloats(copy, length);
    return DayColumns.wrap(copy, length);
  }

  /** @internal Columns over `bytes` (header written here; bars in this machine's byte order). */
  static wrap(bytes: Uint8Array, length: number): DayColumns {
    const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
    view.setUint8(0, FORMAT);
    view.setUint32(4, length, true);
    const values = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER, length * FIELDS);
    return new DayColumns(bytes.subarray(0, HEADER + length * BAR_BYTES), values, length);
  }

  /** The bytes of these columns (see {@link fromBytes}): no copy on a little-endian machine. */
  toBytes(): Uint8Array {
    if (LITTLE_ENDIAN) return this.bytes;
    const copy = this.bytes.slice();
    swapFloats(copy, this.length);
    return copy;
  }

  /** The bars, oldest first, as new objects. */
  toBars(): Bar[] {
    const v = this.values;
    const out: Bar[] = new Array(this.length);
    for (let i = 0, at = 0; i < this.length; i++, at += FIELDS) {
      const bar: Bar = {
        timestamp: v[at] as number,
        open: v[at + 1] as number,
        high: v[at + 2] as number,
        low: v[at + 3] as number,
        close: v[at + 4] as number,
      };
      const volume = v[at + 5] as number;
      const vwap = v[at + 6] as number;
      const transactions = v[at + 7] as number;
      if (!Number.isNaN(volume)) bar.volume = volume;
      if (!Number.isNaN(vwap)) bar.vwap = vwap;
      if (!Number.isNaN(transactions)) bar.transactions = transactions;
      if (v[at + 8] === 1) bar.otc = true;
      out[i] = bar;
    }
    return out;
  }
}

/** Reverses the bytes of each float64 after the header (big-endian machines only). */
function swapFloats(bytes: Uint8Array, length: number): void {
  for (let at = HEADER; at < HEADER + length * BAR_BYTES; at += 8) bytes.subarray(at, at + 8).reverse();
}

/** One allocation for the day bars of many symbols: `capacities[k]` bars for builder `k`. */
export class DayColumnsArena {
  private readonly buffer: ArrayBuffer;
  private readonly offsets: number[] = [];

  constructor(private readonly capacities: readonly number[]) {
    let size = 0;
    for (const capacity of capacities) {
      this.offsets.push(size);
      size += HEADER + capacity * BAR_BYTES;
    }
    this.buffer = new ArrayBuffer(size);
  }

  /** The builder of slot `k` (holds at most `capacities[k]` bars). */
  builder(k: number): DayColumnsBuilder {
    const capacity = this.capacities[k];
    const offset = this.offsets[k];
    if (capacity === undefined || offset === undefined) throw new RangeError(`day columns arena: no slot ${k}`);
    return new DayColumnsBuilder(new Uint8Array(this.buffer, offset, HEADER + capacity * BAR_BYTES), capacity);
  }
}

/** Collects a symbol's day bars in any order (one per date); {@link build} sorts them in place. */
export class DayColumnsBuilder {
  private readonly values: Float64Array;
  private count = 0;

  /** @internal Use {@link DayColumnsArena.builder}. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly capacity: number,
  ) {
    this.values = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER, capacity * FIELDS);
  }

  get length(): number {
    return this.count;
  }

  /** Adds `bar`, stamped `timestamp` (default its own). Throws when the builder is full. */
  add(bar: Bar, timestamp = bar.timestamp): void {
    if (this.count >= this.capacity) throw new RangeError(`day columns: more than the ${this.capacity} bars expected`);
    const v = this.values;
    const at = this.count * FIELDS;
    v[at] = timestamp;
    v[at + 1] = bar.open;
    v[at + 2] = bar.high;
    v[at + 3] = bar.low;
    v[at + 4] = bar.close;
    v[at + 5] = bar.volume ?? Number.NaN;
    v[at + 6] = bar.vwap ?? Number.NaN;
    v[at + 7] = bar.transactions ?? Number.NaN;
    v[at + 8] = bar.otc ? 1 : 0;
    this.count += 1;
  }

  /** The bars collected, oldest first (sorted in place: the builder's bytes become the columns'). */
  build(): DayColumns {
    const n = this.count;
    const v = this.values;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = (v[(i - 1) * FIELDS] as number) <= (v[i * FIELDS] as number);
    if (!sorted) {
      const rows = v.slice(0, n * FIELDS);
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (rows[a * FIELDS] as number) - (rows[b * FIELDS] as number));
      order.forEach((row, i) => {
        v.set(rows.subarray(row * FIELDS, (row + 1) * FIELDS), i * FIELDS);
      });
    }
    return DayColumns.wrap(this.bytes, n);
  }
}
