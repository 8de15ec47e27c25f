/**
 * The single-attempt HTTP layer: one `fetch` with a deadline, the body read in full, JSON parsed, and any failure
 * turned into a typed error. No retries, no rate limiting: the layers above do that.
 */
import { MassiveError, MassiveNetworkError, MassiveResponseError } from '../errors.js';
import { CallerAbort } from './abort.js';
import { httpError, type NotFoundCode } from './http-errors.js';
import { parseRetryAfter } from './retry-policy.js';

/** The `fetch` the client calls (the global one by default); inject one for tests or proxies. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One attempt's inputs. */
export interface AttemptInput {
  fetch: FetchLike;
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  /** The caller's signal: aborting it rejects with {@link CallerAbort}. */
  signal: AbortSignal | undefined;
  /** `GET /path`, for messages. */
  request: string;
  notFound: NotFoundCode;
  redact: (text: string) => string;
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
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Sends one GET and returns its JSON body, or throws a `MassiveError` (or {@link CallerAbort}). */
export async function sendOnce(input: AttemptInput, onAnswer?: OnAnswer): Promise<AttemptSuccess> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, input.timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  input.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    if (input.signal?.aborted) throw new CallerAbort();
    const response = await input.fetch(input.url, {
      method: 'GET',
      headers: input.headers,
      signal: controller.signal,
      // A redirect would send the Authorization header somewhere we did not choose: refuse it instead.
      redirect: 'manual',
    });
    const bodyText = await response.text();
    const requestId = response.headers.get('x-request-id') ?? undefined;
    onAnswer?.(response.status, requestId);
    if (response.status >= 200 && response.status < 300) return parseSuccess(input, response, bodyText, requestId);
    if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
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
      contentType: response.headers.get('content-type'),
      headerRequestId: requestId,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
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
    throw new MassiveNetworkError('NETWORK_ERROR', `${input.request} failed: ${input.redact(networkDetail(error))}`, {
      request: input.request,
    });
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function parseSuccess(input: AttemptInput, response: Response, bodyText: string, requestId: string | undefined): AttemptSuccess {
  try {
    return { status: response.status, body: JSON.parse(bodyText), requestId };
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
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
