/**
 * What ingest and query jobs share: the job info shape, a job-info GET (safe to repeat), and bounded polling.
 */
import { ApiError, type BulkHttp } from './http';
import { nextPollDelay, withRetry, type PollPolicy, type RetryPolicy, type Timing } from './retry';

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
export type JobKind = 'ingest' | 'query';

export interface JobInfo {
  id: string;
  state: JobState;
  object?: string;
  errorMessage?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
}

export const isTerminal = (state: JobState): boolean =>
  state === 'JobComplete' || state === 'Failed' || state === 'Aborted';

export interface JobContext {
  http: BulkHttp;
  retry: RetryPolicy;
  poll: PollPolicy;
  timing: Timing;
  progress: (message: string) => void;
}

/** Says on the progress line that a step is being retried, and why (never silent: a retry costs a request). */
export function retryNotice(ctx: JobContext, step: string) {
  return (err: unknown, attempt: number, delayMs: number): void => {
    const what = err instanceof ApiError ? `HTTP ${err.status} ${err.errorCode}` : 'no answer';
    ctx.progress(`${step}: ${what}; attempt ${attempt + 1} in ${(delayMs / 1000).toFixed(1)} s`);
  };
}

/** Job info; a GET, so transient failures are retried. */
export function getJobInfo(ctx: JobContext, kind: JobKind, id: string): Promise<JobInfo> {
  const step = `read the state of Bulk job ${id}`;
  return withRetry(
    () => ctx.http.json<JobInfo>({ method: 'GET', path: `jobs/${kind}/${id}` }, step),
    ctx.retry,
    ctx.timing,
    retryNotice(ctx, step)
  );
}

export type PollOutcome =
  | { done: true; info: JobInfo }
  | { done: false; info: JobInfo; polls: number; waitedMs: number };

/**
 * Polls until the job is JobComplete, Failed or Aborted, or the policy's bounds (polls, total wait) are reached.
 * `last` is what the caller already knows (the close answer, or the GET that checked an ambiguous close).
 */
export async function pollJob(
  ctx: JobContext,
  kind: JobKind,
  last: JobInfo,
  label: string,
  totalRows?: number
): Promise<PollOutcome> {
  const { poll, timing } = ctx;
  const start = timing.now();
  let info = last;
  let delay: number | undefined;
  let polls = 0;
  let said = '';
  while (!isTerminal(info.state)) {
    const waited = timing.now() - start;
    if (polls >= poll.maxPolls || waited >= poll.maxWaitMs) return { done: false, info, polls, waitedMs: waited };
    const processed = info.numberRecordsProcessed ?? 0;
    delay = nextPollDelay(
      delay,
      poll,
      totalRows === undefined ? undefined : { processed, total: totalRows, elapsedMs: waited }
    );
    await timing.sleep(Math.min(delay, poll.maxWaitMs - waited));
    info = await getJobInfo(ctx, kind, info.id);
    polls++;
    const line = `${label}: job ${info.id} ${info.state}, ${(info.numberRecordsProcessed ?? 0).toLocaleString('en-US')} rows processed`;
    if (line !== said) ctx.progress(line);
    said = line;
  }
  return { done: true, info };
}
