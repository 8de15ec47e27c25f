/**
 * The checks the TickStock app applies to what we publish, restated in TypeScript so our tests hold our messages to
 * them. Each names the app file and function it mirrors (TickStockAppV2 at 864dd0c); keep them in step with it.
 */

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `tests/integration/test_pattern_event_structure.py` `validate_pattern_event_structure`: the four top-level keys,
 * the nine `data` keys (present; null passes), confidence a number in 0-1, current_price a number > 0, indicators a
 * dict.
 */
export function validatePatternEventStructure(event: unknown): boolean {
  if (!isObject(event)) return false;
  for (const field of ['event_type', 'source', 'timestamp', 'data']) if (!(field in event)) return false;
  const data = event.data;
  if (!isObject(data)) return false;
  for (const field of [
    'symbol',
    'pattern',
    'confidence',
    'current_price',
    'price_change',
    'timestamp',
    'expires_at',
    'indicators',
    'source',
  ])
    if (!(field in data)) return false;
  if (!isNumber(data.confidence) || data.confidence < 0 || data.confidence > 1) return false;
  if (!isNumber(data.current_price) || data.current_price <= 0) return false;
  return isObject(data.indicators);
}
