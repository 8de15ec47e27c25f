/**
 * The one shape comparison of the contract test: two JSON values have the same shape when they have the same kind
 * (string, number, boolean, null, array, object) at every path, objects the same keys (recursively), and arrays
 * elements of the same shape (all elements of one array merged into one element shape: a key missing from some
 * elements is optional inside that array, and both sides must agree on which keys are). Differences a pair may have
 * are listed explicitly, by path, as optional fields.
 */

/** A JSON value's shape. `fields[k].sometimes`: the key is absent from some elements of the array holding it. */
export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'null' }
  | { kind: 'array'; element: Shape | null }
  | { kind: 'object'; fields: Record<string, { shape: Shape; sometimes: boolean }> };

/** The shape of a parsed JSON value. */
export function shapeOf(value: unknown): Shape {
  if (value === null) return { kind: 'null' };
  if (Array.isArray(value)) {
    return { kind: 'array', element: value.reduce<Shape | null>((acc, v) => (acc === null ? shapeOf(v) : merge(acc, shapeOf(v))), null) };
  }
  if (typeof value === 'object') {
    const fields: Record<string, { shape: Shape; sometimes: boolean }> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) fields[k] = { shape: shapeOf(v), sometimes: false };
    return { kind: 'object', fields };
  }
  const kind = typeof value;
  if (kind === 'string' || kind === 'number' || kind === 'boolean') return { kind };
  throw new TypeError(`not a JSON value: ${kind}`);
}

/** One element shape for two elements of an array; a kind conflict keeps the first (compare reports it). */
function merge(a: Shape, b: Shape): Shape {
  if (a.kind === 'object' && b.kind === 'object') {
    const fields: Record<string, { shape: Shape; sometimes: boolean }> = {};
    for (const k of new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])) {
      const fa = a.fields[k];
      const fb = b.fields[k];
      if (fa && fb) fields[k] = { shape: merge(fa.shape, fb.shape), sometimes: fa.sometimes || fb.sometimes };
      else fields[k] = { shape: (fa ?? fb)?.shape as Shape, sometimes: true };
    }
    return { kind: 'object', fields };
  }
  if (a.kind === 'array' && b.kind === 'array') {
    return { kind: 'array', element: a.element && b.element ? merge(a.element, b.element) : (a.element ?? b.element) };
  }
  return a;
}

/** What may differ between a recorded body and the simulator's: paths (`$.results.branding`, `$.results[].otc`). */
export interface ShapeAllowances {
  /** Keys that may be present on one side and absent on the other (and, in arrays, present on only some elements). */
  optional?: readonly string[];
}

/**
 * Every difference between the shape of `real` (a recorded response) and `ours` (the simulator's), as readable lines;
 * empty when they agree. Both arrays empty, or one empty: the element shapes cannot be compared, which is reported
 * (a pair must ask for data).
 */
export function shapeDifferences(real: unknown, ours: unknown, allow: ShapeAllowances = {}): string[] {
  const optional = new Set(allow.optional ?? []);
  const out: string[] = [];
  const walk = (r: Shape, o: Shape, path: string): void => {
    if (r.kind !== o.kind) {
      out.push(`${path}: recorded ${r.kind}, simulator ${o.kind}`);
      return;
    }
    if (r.kind === 'array' && o.kind === 'array') {
      if (!r.element || !o.element) {
        out.push(`${path}: ${r.element ? 'the simulator' : 'the recording'} has no elements to compare`);
        return;
      }
      walk(r.element, o.element, `${path}[]`);
      return;
    }
    if (r.kind === 'object' && o.kind === 'object') {
      for (const k of new Set([...Object.keys(r.fields), ...Object.keys(o.fields)])) {
        const p = `${path}.${k}`;
        const rf = r.fields[k];
        const of = o.fields[k];
        if (!rf || !of) {
          if (!optional.has(p)) out.push(`${p}: only in the ${rf ? 'recording' : 'simulator'}`);
          continue;
        }
        if (rf.sometimes !== of.sometimes && !optional.has(p)) {
          out.push(
            `${p}: ${rf.sometimes ? 'on some recorded elements only' : 'on every recorded element'}, ${of.sometimes ? 'on some simulator elements only' : 'on every simulator element'}`,
          );
        }
        walk(rf.shape, of.shape, p);
      }
    }
  };
  walk(shapeOf(real), shapeOf(ours), '$');
  return out;
}
