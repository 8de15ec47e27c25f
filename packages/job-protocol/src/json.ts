/** Reading JSON messages without throwing. */
import type { ProtocolIssue } from './errors.js';

/** Longest message accepted (1 MiB of text); a job of 10,000 symbols is about 100 KB. */
export const MAX_MESSAGE_LENGTH = 1_048_576;

/** Parses `input` (JSON text, a Buffer, or an already-parsed value) and requires a JSON object. */
export function readJsonObject(input: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; errors: ProtocolIssue[] } {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    if (text.length > MAX_MESSAGE_LENGTH)
      return {
        ok: false,
        errors: [{ code: 'INVALID_JSON', path: '', message: `message of ${text.length} characters is longer than ${MAX_MESSAGE_LENGTH}` }],
      };
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, errors: [{ code: 'INVALID_JSON', path: '', message: `not valid JSON: ${(e as Error).message}` }] };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { ok: false, errors: [{ code: 'NOT_AN_OBJECT', path: '', message: `the message must be a JSON object, got ${kind}` }] };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Characters at the head of an over-long message searched for its `job_id`. */
const JOB_ID_HEAD = 65_536;

/**
 * The `job_id` of a message too long to parse, when its head states one (`"job_id": "..."` within the first 64 KiB,
 * matching `pattern`): so the job it names can be answered with a `failed` status instead of waiting forever.
 */
export function sniffJobId(text: string, pattern: RegExp): string | undefined {
  const found = /"job_id"\s*:\s*"([^"\\]{1,128})"/.exec(text.slice(0, JOB_ID_HEAD))?.[1];
  return found !== undefined && pattern.test(found) ? found : undefined;
}
