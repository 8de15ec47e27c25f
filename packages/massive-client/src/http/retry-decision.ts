/**
 * Who decides whether a failed attempt is sent again. The default policy (the error's `retryable`, attempts and time
 * left) can be replaced by a `shouldRetry` function, for the client or for one call; a `beforeRetry` hook may then
 * still veto a retry. `maxRetries` and `maxTotalTimeMs` stay hard limits whatever a function answers.
 */
import type { MassiveError } from '../errors.js';

/** What a {@link ShouldRetry} function is asked about. */
export interface RetryQuestion {
  /** The failure, with `attempts` set (never changed: a copy is thrown in the end). */
  readonly error: MassiveError;
  /** Attempts made so far (1 after the first). */
  readonly attempt: number;
  /** The wait before the next attempt the default policy chose (`Retry-After`, else backoff), in ms. */
  readonly delayMs: number;
  /** What the default policy decided: `error.retryable` and the client retries that kind of failure. */
  readonly retryByDefault: boolean;
}

/**
 * Decides whether to retry: `true` retries (even an error the default would not), `false` gives up now, `undefined`
 * keeps the default. Called for every failure but aborts, within `maxRetries` and `maxTotalTimeMs` only. A function
 * that throws keeps the default.
 */
export type ShouldRetry = (question: RetryQuestion) => boolean | undefined;

/** The decision: the caller's function (per call, else the client's) over the default. */
export function decideRetry(question: RetryQuestion, shouldRetry: ShouldRetry | undefined): boolean {
  if (!shouldRetry) return question.retryByDefault;
  try {
    const answer = shouldRetry(question);
    return answer === undefined ? question.retryByDefault : answer === true;
  } catch {
    return question.retryByDefault;
  }
}
