/** Turns an HTTP error answer into the right {@link MassiveHttpError}: code, API text, request id, retryability. */
import { type MassiveErrorCode, MassiveHttpError } from '../errors.js';
import { errorBodySchema } from '../schemas/errors.js';
import { isRetryableStatus } from './retry-policy.js';

/** What a 404 means for the request: a missing symbol for ticker-scoped endpoints, else a missing resource. */
export type NotFoundCode = 'SYMBOL_NOT_FOUND' | 'NOT_FOUND';

const MAX_API_TEXT = 500;

/** The error code for an HTTP status (and, for 400, the API's text). */
export function codeForStatus(status: number, apiText: string | undefined, notFound: NotFoundCode): MassiveErrorCode {
  if (status === 401) return 'API_KEY_INVALID';
  if (status === 400) return apiText && /api key/i.test(apiText) ? 'API_KEY_INVALID' : 'BAD_REQUEST';
  if (status === 403) return 'NOT_ENTITLED';
  if (status === 404) return notFound;
  if (status === 429) return 'API_RATE_LIMIT';
  if (status === 499 || status >= 500) return 'SERVER_ERROR';
  return 'BAD_REQUEST';
}

/** The error body as JSON when it is JSON; undefined for HTML pages and anything else. */
function parseErrorBody(text: string): { status?: string; requestId?: string; apiText?: string } | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const apiText = parsed.data.error ?? parsed.data.message;
  return { status: parsed.data.status, requestId: parsed.data.request_id, apiText };
}

function looksLikeHtml(text: string, contentType: string | null): boolean {
  return (contentType ?? '').includes('html') || /^\s*<(!doctype|html|head|body|center|h1)/i.test(text);
}

/** Builds the error for a non-2xx answer. `redact` removes the key from any text the server echoed. */
export function httpError(options: {
  status: number;
  statusText: string;
  bodyText: string;
  contentType: string | null;
  headerRequestId: string | undefined;
  retryAfterMs: number | undefined;
  request: string;
  notFound: NotFoundCode;
  redact: (text: string) => string;
}): MassiveHttpError {
  const body = parseErrorBody(options.bodyText);
  const rawText = body?.apiText;
  const apiText = rawText === undefined ? undefined : options.redact(rawText).slice(0, MAX_API_TEXT);
  const requestId = body?.requestId ?? options.headerRequestId;
  const code = codeForStatus(options.status, apiText, options.notFound);
  let detail: string;
  if (apiText) detail = apiText;
  else if (looksLikeHtml(options.bodyText, options.contentType)) detail = 'the server sent an HTML error page';
  else if (options.bodyText.trim() === '') detail = options.statusText || 'empty body';
  else detail = options.statusText || 'unreadable error body';
  const idPart = requestId ? ` (request id ${requestId})` : '';
  return new MassiveHttpError(code, `${options.request} failed with HTTP ${options.status} ${code}: ${detail}${idPart}`, {
    status: options.status,
    requestId,
    apiMessage: apiText,
    retryable: isRetryableStatus(options.status),
    request: options.request,
    retryAfterMs: options.retryAfterMs,
  });
}
