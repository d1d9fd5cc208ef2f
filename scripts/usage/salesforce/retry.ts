/**
 * Retry with exponential backoff and jitter, and bounded polling. Which step may be retried is the caller's
 * decision (see bulkIngest.ts); this module only says which failures are transient and how long to wait.
 */
import { ApiError, NetworkError } from './http';

/** The clock, made injectable so tests run fast and deterministic. */
export interface Timing {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** in [0, 1) */
  random(): number;
}

export const realTiming: Timing = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: () => Math.random()
};

export interface RetryPolicy {
  /** attempts in all, the first included */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 };

/**
 * Rows a job reported as not written for a passing reason (a locked row, a job that failed or was aborted part-way)
 * are sent again in a new job after a backoff: 3 sends in all, the second after 2.5-5 s, the third after 5-10 s.
 */
export const DEFAULT_ROW_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 };

export interface PollPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** give up waiting after this long (the job keeps running in the org) */
  maxWaitMs: number;
  maxPolls: number;
}

/**
 * Polls start at 2 s and back off to one a minute: a 500k-row job that takes 10 minutes costs about 13 polls. A job
 * that reports progress is polled about when it should finish (see nextPollDelay).
 */
export const DEFAULT_POLL: PollPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  factor: 2,
  maxWaitMs: 60 * 60_000,
  maxPolls: 120
};

/** Throttling (429, and 420 which some pods send), server errors, and no answer at all. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof ApiError) return err.status === 420 || err.status === 429 || err.status >= 500;
  return false;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so clients do not retry in step. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `fn` until it succeeds, fails with something not transient, or the attempts are used up (the last error
 * is thrown). Only for steps that are safe to repeat: GETs, an upload to a job that is still Open, and steps whose
 * ambiguity the caller resolves in `fn` itself (a close checks the job first).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  timing: Timing,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isTransient(err) || attempt >= policy.attempts) throw err;
      const delay = backoffDelay(attempt, policy, timing.random);
      onRetry?.(err, attempt, delay);
      await timing.sleep(delay);
    }
  }
}

/**
 * The wait before the next poll: exponential backoff, stretched to the job's own estimate of when it will be done
 * when it reports progress (rows processed so far over time elapsed), and never past the time left to wait.
 */
export function nextPollDelay(
  previousMs: number | undefined,
  policy: PollPolicy,
  progress?: { processed: number; total: number; elapsedMs: number }
): number {
  let delay = previousMs === undefined ? policy.initialDelayMs : previousMs * policy.factor;
  if (progress && progress.processed > 0 && progress.processed < progress.total && progress.elapsedMs > 0) {
    const eta = ((progress.total - progress.processed) * progress.elapsedMs) / progress.processed;
    delay = Math.max(delay, eta);
  }
  return Math.max(policy.initialDelayMs, Math.min(policy.maxDelayMs, Math.round(delay)));
}
