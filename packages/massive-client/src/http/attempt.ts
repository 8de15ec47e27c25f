/**
 * The single-attempt HTTP layer: one GET with a deadline (sent as `send.ts` says), the body read in full, JSON parsed,
 * and any failure turned into a typed error. No retries, no rate limiting: the layers above do that.
 */
import { type Buffer, isAscii } from 'node:buffer';
import { MassiveError, MassiveNetworkError, MassiveResponseError } from '../errors.js';
import { CallerAbort, onAbort } from './abort.js';
import { readBodyBytes } from './body-bytes.js';
import { httpError, type NotFoundCode } from './http-errors.js';
import { type ConnectFailure, connectFailure, parseRetryAfter } from './retry-policy.js';
import type { Answer, Sender } from './send.js';

/** One attempt's inputs. */
export interface AttemptInput {
  send: Sender;
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  /** The caller's signal: aborting it rejects with {@link CallerAbort}. */
  signal: AbortSignal | undefined;
  /** `GET /path`, for messages. */
  request: string;
  notFound: NotFoundCode;
  redact: (text: string) => string;
  /**
   * A faster decoder of a 2xx body of ASCII bytes: what `JSON.parse` of its text gives (possibly with parts already
   * decoded), or undefined to fall back to `JSON.parse`.
   */
  parseBytes?: ((bytes: Uint8Array) => unknown) | undefined;
}

/** A 2xx answer with its parsed JSON body. */
export interface AttemptSuccess {
  status: number;
  body: unknown;
  requestId: string | undefined;
}

/** Receives each HTTP answer's status and request id (for the `response` hook), whatever the status. */
export type OnAnswer = (status: number, requestId: string | undefined) => void;

function networkDetail(error: unknown): string {
  // fetch wraps the failure: `TypeError('fetch failed')` with the socket's or DNS error as its cause; undici's
  // `request()` throws that error itself.
  type Failure = { code?: unknown; message?: unknown; errors?: unknown; cause?: Failure } | null | undefined;
  const wrapped = error instanceof TypeError && (error as Failure)?.cause !== undefined;
  const failure = (wrapped ? (error as Failure)?.cause : error) as Failure;
  if (failure && typeof failure.code === 'string') return failure.code;
  // Several addresses tried (IPv6 and IPv4): an AggregateError whose parts carry the codes.
  const first = Array.isArray(failure?.errors) ? (failure.errors[0] as { code?: unknown } | undefined) : undefined;
  if (first && typeof first.code === 'string') return first.code;
  if (failure && typeof failure.message === 'string') return failure.message;
  return error instanceof Error ? error.message : String(error);
}

const connectFailures = new WeakMap<MassiveError, ConnectFailure>();

/** How the attempt that threw `error` failed to reach the server, when it did not reach it at all. */
export function connectFailureOf(error: MassiveError): ConnectFailure | undefined {
  return connectFailures.get(error);
}

/** The `NETWORK_ERROR` for a failed `fetch`: says plainly when the host does not resolve or cannot be connected to. */
function networkError(input: AttemptInput, error: unknown): MassiveNetworkError {
  const detail = networkDetail(error);
  const failure = connectFailure(detail);
  const host = input.url.host;
  const baseUrl = 'the base URL (MASSIVE_API_BASE_URL or the baseUrl option)';
  let message: string;
  if (failure === 'bad-address') {
    message =
      detail === 'bad port'
        ? `${input.request} failed: fetch refuses to connect to ${host} (bad port): check ${baseUrl}`
        : `${input.request} failed: the host ${input.url.hostname} does not resolve (${detail}): check ${baseUrl} and DNS`;
  } else if (failure === 'unreachable') {
    message = `${input.request} failed: cannot connect to ${host} (${detail}): check the network and ${baseUrl}`;
  } else {
    message = `${input.request} failed: ${detail}`;
  }
  const typed = new MassiveNetworkError('NETWORK_ERROR', input.redact(message), {
    request: input.request,
    ...(failure === 'bad-address' ? { retryable: false } : {}),
  });
  if (failure) connectFailures.set(typed, failure);
  return typed;
}

/** Sends one GET and returns its JSON body, or throws a `MassiveError` (or {@link CallerAbort}). */
export async function sendOnce(input: AttemptInput, onAnswer?: OnAnswer): Promise<AttemptSuccess> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, input.timeoutMs);
  const stopListening = input.signal ? onAbort(input.signal, () => controller.abort()) : undefined;
  try {
    if (input.signal?.aborted) throw new CallerAbort();
    // A redirect would send the Authorization header somewhere we did not choose: it is never followed (below).
    const response = await input.send(input.url, { headers: input.headers, signal: controller.signal });
    const { bytes } = response;
    const ascii = isAscii(bytes);
    const requestId = response.header('x-request-id') ?? undefined;
    onAnswer?.(response.status, requestId);
    if (response.status >= 200 && response.status < 300) {
      // A page of bars is decoded from its bytes (no text of megabytes, no JSON.parse of its rows) when it can be.
      const fast = ascii ? input.parseBytes?.(bytes) : undefined;
      if (fast !== undefined) return { status: response.status, body: fast, requestId };
      return parseSuccess(input, response, textOfBytes(bytes, ascii), requestId);
    }
    const bodyText = textOfBytes(bytes, ascii);
    if (response.isRedirect) {
      throw new MassiveResponseError(
        `${input.request} was answered with a redirect (HTTP ${response.status}), which the client does not follow`,
        {
          status: response.status,
          requestId,
          request: input.request,
          retryable: false,
        },
      );
    }
    throw httpError({
      status: response.status,
      statusText: response.statusText,
      bodyText,
      contentType: response.header('content-type'),
      headerRequestId: requestId,
      retryAfterMs: parseRetryAfter(response.header('retry-after')),
      request: input.request,
      notFound: input.notFound,
      redact: input.redact,
    });
  } catch (error) {
    if (input.signal?.aborted) throw new CallerAbort();
    if (error instanceof CallerAbort) throw error;
    if (timedOut) {
      throw new MassiveNetworkError('NETWORK_TIMEOUT', `${input.request} timed out after ${input.timeoutMs} ms`, {
        request: input.request,
      });
    }
    if (error instanceof MassiveError) throw error;
    throw networkError(input, error);
  } finally {
    clearTimeout(timer);
    stopListening?.();
  }
}

function parseSuccess(input: AttemptInput, response: Answer, bodyText: string, requestId: string | undefined): AttemptSuccess {
  try {
    return { status: response.status, body: JSON.parse(bodyText), requestId };
  } catch {
    const type = response.header('content-type') ?? 'no content type';
    // A body that does not parse is usually a truncated transfer: worth another attempt.
    throw new MassiveResponseError(
      `${input.request} returned HTTP ${response.status} with a body that is not JSON (${type}, ${bodyText.length} bytes)`,
      {
        status: response.status,
        requestId,
        request: input.request,
        retryable: true,
      },
    );
  }
}

/**
 * The body as text, decoded the cheap way when it can be: a body of ASCII bytes only (every page of bars) becomes a
 * one-byte string by a plain copy (`latin1`, identical to UTF-8 for ASCII), where `Response.text()` runs a UTF-8
 * decoder over megabytes; anything else is decoded as UTF-8, a leading byte-order mark dropped as `text()` does.
 */
export async function readBodyText(response: Response): Promise<string> {
  const bytes = await readBodyBytes(response);
  return textOfBytes(bytes, isAscii(bytes));
}

/** The text of a body's bytes (`ascii`: they are all below 128), as {@link readBodyText} decodes it. */
function textOfBytes(bytes: Buffer, ascii: boolean): string {
  if (ascii) return bytes.toString('latin1');
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}
