/**
 * Upsert by external ID (and insert, for Tasks) through Bulk API 2.0 ingest jobs, driven step by step so that
 * nothing is lost when the API misbehaves (jsforce's loadAndWaitForResults is not lossless: TOOLCHAIN.md). Every
 * input row ends with a result: written (from successfulResults), failed with Salesforce's message
 * (failedResults), failed as unprocessed with the job's error, or failed with a reason of our own (empty or
 * repeated key, too big, job refused, job still running when the wait ran out, not reported by the job). Only a
 * stop of the whole run (session expired, org unavailable, an answer that makes no sense) throws, as
 * BulkInterruptedError with what is known.
 *
 * Retries, step by step (each bounded, exponential backoff with jitter):
 * - create (POST): retried on 429/5xx/no answer. If a lost answer hid a created job, that job stays Open with no
 *   data: an Open job is never processed, so it cannot write anything twice, and the org removes it after 7 days
 *   (Salesforce help 000386004). Listing and matching orphans instead would cost calls and could not tell our job
 *   from another client's, so the choice is to ignore them.
 * - upload (PUT): retried with the full CSV while the job is Open. If a lost answer hid an upload that landed,
 *   the second PUT makes the close fail ("Found multipe contents"), or is itself refused: that job is aborted
 *   (nothing processed) and the rows go again, once, in a new job.
 * - close (PATCH): never blindly repeated. After an ambiguous failure the job is read: if it is no longer Open the
 *   close landed and that answer serves as the first poll; only a job still Open is closed again.
 * - polls and result reads (GET): retried.
 * - rows: those a job reports not written for a passing reason (UNABLE_TO_LOCK_ROW in failedResults, unprocessed by
 *   a job that ended Failed or Aborted, unless its error is about what was sent) go again in a new job of just those
 *   rows after a backoff, `rowRetry.attempts` sends in all. Safe for an upsert, and for an insert too: such a row was
 *   not written. Rows whose outcome is unknown (a job still running when the wait ran out) are never re-sent.
 * Jobs are never deleted: results are read first in any case, and a kept job lets a person look it up (the org
 * removes jobs after 7 days). Deleting would cost one more call per job.
 */
import type { SObjectRow } from '../records';
import { csvLine, parseCsvTable } from './csv';
import { planJobs, prepare, type Matching, type ReadyRow, type Shape } from './ingestPlan';
import { BulkInterruptedError, type IngestRowResult } from './errors';
import { ApiError, SessionExpiredError, type BulkHttp } from './http';
import { getJobInfo, pollJob, type JobContext, type JobInfo } from './jobs';
import {
  backoffDelay,
  DEFAULT_POLL,
  DEFAULT_RETRY,
  DEFAULT_ROW_RETRY,
  isTransient,
  realTiming,
  withRetry,
  type PollPolicy,
  type RetryPolicy,
  type Timing
} from './retry';

/** The documented limit is 100 MB of raw CSV per job; decimal MB keeps a margin under 100 MiB. */
export const MAX_JOB_BYTES = 100_000_000;

export interface IngestOptions {
  object: string;
  /** names the org in messages, e.g. `"acme-prod"` */
  orgName?: string;
  /** largest job in bytes of CSV (header included); tests use a tiny one */
  maxJobBytes?: number;
  retry?: RetryPolicy;
  /** how often rows that failed for a passing reason are sent in all, and the backoff between sends */
  rowRetry?: RetryPolicy;
  poll?: PollPolicy;
  timing?: Timing;
  onProgress?: (message: string) => void;
}

export interface UpsertOptions extends IngestOptions {
  externalIdField: string;
}

/** Thrown inside a job: this job's rows fail with `reason`; `allJobs` when every later job would fail the same way. */
class JobRefused extends Error {
  constructor(
    readonly reason: string,
    readonly allJobs: boolean
  ) {
    super(reason);
  }
}

/** The job may hold two uploads (a retried PUT whose first answer was lost): abort it, send the rows again. */
class RedoJob extends Error {}

const MULTIPLE_CONTENTS = /multip\w* contents/i;
/** A row error that a later send can clear: the record (or its parent) was locked by another transaction. */
const LOCKED_ROW = /^UNABLE_TO_LOCK_ROW\b/;
/** A job error caused by what was sent (a bad column, line ending or CSV): sending the rows again fails the same way. */
const CLIENT_JOB_ERROR = /^(InvalidBatch|ClientInputError|InvalidJob)\b/i;
const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
const n = (x: number) => x.toLocaleString('en-US');

class IngestRun {
  /** the job in flight, named in an interruption */
  jobId: string | undefined;

  constructor(
    private readonly ctx: JobContext,
    private readonly options: IngestOptions,
    private readonly matching: Matching,
    private readonly results: (IngestRowResult | undefined)[]
  ) {}

  private get label(): string {
    return this.options.object;
  }

  /** One job's rows; a job whose close found two uploads is aborted and its rows go once more in a new job. */
  async run(shape: Shape, rows: readonly ReadyRow[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(shape, rows);
      } catch (err) {
        if (!(err instanceof RedoJob)) throw err;
        if (attempt >= 2) throw new JobRefused(err.message, false);
        this.ctx.progress(`${this.label}: job ${this.jobId} aborted (${err.message}); sending its rows in a new job`);
      }
    }
  }

  private async runOnce(shape: Shape, rows: readonly ReadyRow[]): Promise<void> {
    const body = shape.headerLine + rows.map((r) => r.line).join('');
    this.jobId = undefined;
    const id = await this.create();
    this.jobId = id;
    this.ctx.progress(`${this.label}: job ${id} created for ${n(rows.length)} rows (${mb(Buffer.byteLength(body))})`);
    await this.upload(id, body);
    const closed = await this.close(id);
    this.ctx.progress(`${this.label}: job ${id} ${closed.state}`);
    const outcome = await pollJob(this.ctx, 'ingest', closed, this.label, rows.length);
    if (!outcome.done) {
      const reason =
        `Bulk job ${id} was still ${outcome.info.state} after ${outcome.polls} polls in ` +
        `${Math.round(outcome.waitedMs / 1000)} s; its outcome is unknown (the org may still write this row` +
        (this.matching.kind === 'upsert' ? '; a re-run converges)' : '; check before inserting it again)');
      for (const r of rows) this.results[r.index] = { key: r.key, ok: false, error: reason, jobId: id };
      this.ctx.progress(`${this.label}: stopped waiting for job ${id} (${outcome.info.state})`);
      return;
    }
    await this.readResults(outcome.info, shape, rows);
    this.jobId = undefined;
  }

  private async create(): Promise<string> {
    const m = this.matching;
    const body = JSON.stringify({
      object: this.options.object,
      ...(m.kind === 'upsert'
        ? { operation: 'upsert', externalIdFieldName: m.externalIdField }
        : { operation: 'insert' }),
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF'
    });
    try {
      const info = await withRetry(
        () =>
          this.ctx.http.json<JobInfo>(
            { method: 'POST', path: 'jobs/ingest', body, contentType: 'application/json' },
            `create a Bulk job for ${this.label}`
          ),
        this.ctx.retry,
        this.ctx.timing,
        (err, attempt, delay) => this.retrying('create', err, attempt, delay)
      );
      if (typeof info.id !== 'string' || info.id === '') {
        throw new Error(`the Bulk API created a job but its answer has no job id: ${JSON.stringify(info)}`);
      }
      return info.id;
    } catch (err) {
      // the same request would be refused for every job: the object, field or permission is wrong
      if (err instanceof ApiError && !isTransient(err)) {
        throw new JobRefused(`the Bulk API refused the job: ${err.errorCode}: ${err.detail}`, true);
      }
      throw err;
    }
  }

  private async upload(id: string, body: string): Promise<void> {
    let attempts = 0;
    try {
      await withRetry(
        () => {
          attempts++;
          return this.ctx.http.ok(
            { method: 'PUT', path: `jobs/ingest/${id}/batches`, body, contentType: 'text/csv' },
            `upload the rows of Bulk job ${id}`
          );
        },
        this.ctx.retry,
        this.ctx.timing,
        (err, attempt, delay) => this.retrying(`upload to job ${id}`, err, attempt, delay)
      );
    } catch (err) {
      if (err instanceof ApiError && !isTransient(err)) {
        await this.abort(id);
        // refused after a retry: an earlier attempt may have landed after all, so the rows go again in a new job
        if (attempts > 1)
          throw new RedoJob(`a retried upload to job ${id} was refused: ${err.errorCode}: ${err.detail}`);
        throw new JobRefused(`Bulk job ${id} refused the upload: ${err.errorCode}: ${err.detail}`, false);
      }
      throw err;
    }
  }

  /** Closes the job; an ambiguous failure is resolved by reading the job before any second close. */
  private async close(id: string): Promise<JobInfo> {
    const { retry, timing } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ctx.http.json<JobInfo>(
          {
            method: 'PATCH',
            path: `jobs/ingest/${id}`,
            body: JSON.stringify({ state: 'UploadComplete' }),
            contentType: 'application/json'
          },
          `close Bulk job ${id}`
        );
      } catch (err) {
        if (err instanceof ApiError && MULTIPLE_CONTENTS.test(err.detail)) {
          await this.abort(id);
          throw new RedoJob(`the org holds two uploads for job ${id}`);
        }
        if (!(err instanceof ApiError && err.status === 409) && !isTransient(err)) {
          if (err instanceof ApiError) {
            await this.abort(id);
            throw new JobRefused(`Bulk job ${id} could not be closed: ${err.errorCode}: ${err.detail}`, false);
          }
          throw err;
        }
        if (attempt >= retry.attempts) throw err;
        const delay = backoffDelay(attempt, retry, timing.random);
        this.retrying(`close job ${id}`, err, attempt, delay);
        await timing.sleep(delay);
        // did the close land although the answer was lost or an error? then never close again
        const info = await getJobInfo(this.ctx, 'ingest', id);
        if (info.state !== 'Open') return info;
      }
    }
  }

  /** Best effort: an aborted job processes nothing. A failure here changes nothing for the rows. */
  private async abort(id: string): Promise<void> {
    try {
      await this.ctx.http.ok(
        {
          method: 'PATCH',
          path: `jobs/ingest/${id}`,
          body: JSON.stringify({ state: 'Aborted' }),
          contentType: 'application/json'
        },
        `abort Bulk job ${id}`
      );
    } catch (err) {
      if (err instanceof SessionExpiredError) throw err;
    }
  }

  private retrying(step: string, err: unknown, attempt: number, delayMs: number): void {
    const what = err instanceof ApiError ? `HTTP ${err.status} ${err.errorCode}` : 'no answer';
    this.ctx.progress(`${this.label}: ${step}: ${what}; attempt ${attempt + 1} in ${(delayMs / 1000).toFixed(1)} s`);
  }

  /**
   * Reads the result sets until every row of the job is accounted for: successfulResults, then failedResults, then
   * unprocessedrecords (a row is in exactly one, so a clean job costs one read). A row in none fails with a reason.
   */
  private async readResults(info: JobInfo, shape: Shape, rows: readonly ReadyRow[]): Promise<void> {
    const { id, state } = info;
    const pending = new Map(rows.map((r) => [r.match, r]));
    // Salesforce matches external IDs case-insensitively: a result echoing a key in other case still finds its row
    const loose = new Map<string, ReadyRow | null>();
    if (this.matching.kind === 'upsert') {
      for (const r of rows) {
        const k = r.match.trim().toLowerCase();
        loose.set(k, loose.has(k) ? null : r);
      }
    }
    const jobError = info.errorMessage ? `: ${info.errorMessage}` : '';
    // rows a Failed or Aborted job did not process are not written: sending them again is safe and may succeed,
    // unless the job failed on what was sent
    const unprocessedRetryable =
      (state === 'Failed' || state === 'Aborted') && !CLIENT_JOB_ERROR.test(info.errorMessage ?? '');
    const unprocessed =
      state === 'Failed'
        ? `unprocessed: Bulk job ${id} failed${jobError}`
        : state === 'Aborted'
          ? `unprocessed: Bulk job ${id} was aborted${jobError}`
          : `unprocessed by Bulk job ${id}${jobError || ': no reason given'}`;
    let ok = 0;
    let created = 0;
    let failed = 0;
    let unreadable = '';
    for (const set of ['successfulResults', 'failedResults', 'unprocessedrecords'] as const) {
      if (pending.size === 0) break;
      let text: string;
      try {
        text = (
          await withRetry(
            () =>
              this.ctx.http.ok(
                { method: 'GET', path: `jobs/ingest/${id}/${set}`, accept: 'text/csv' },
                `read ${set} of Bulk job ${id}`
              ),
            this.ctx.retry,
            this.ctx.timing,
            (err, attempt, delay) => this.retrying(`read ${set} of job ${id}`, err, attempt, delay)
          )
        ).body;
      } catch (err) {
        // a 4xx here (job deleted by someone) leaves the remaining rows without an outcome: say so per row
        if (err instanceof ApiError && !isTransient(err)) {
          unreadable = `; its ${set} could not be read: ${err.errorCode}: ${err.detail}`;
          break;
        }
        throw err;
      }
      const table = parseCsvTable(text);
      const matchOf = this.matcher(table.header, shape, set);
      const at = (name: string) => table.header.indexOf(name);
      const [idAt, createdAt, errorAt] = [at('sf__Id'), at('sf__Created'), at('sf__Error')];
      for (const values of table.rows) {
        const match = matchOf(values);
        const row = pending.get(match) ?? loose.get(match.trim().toLowerCase()) ?? undefined;
        if (!row || !pending.has(row.match)) continue;
        pending.delete(row.match);
        if (set === 'successfulResults') {
          const wasCreated = (values[createdAt] ?? '').toLowerCase() === 'true';
          this.results[row.index] = { key: row.key, ok: true, id: values[idAt], created: wasCreated, jobId: id };
          ok++;
          if (wasCreated) created++;
        } else {
          const error = set === 'failedResults' ? values[errorAt] || 'failed; the org gave no message' : unprocessed;
          const retryable = set === 'failedResults' ? LOCKED_ROW.test(error) : unprocessedRetryable;
          this.results[row.index] = { key: row.key, ok: false, error, jobId: id, ...(retryable ? { retryable } : {}) };
          failed++;
        }
      }
    }
    for (const row of pending.values()) {
      this.results[row.index] = {
        key: row.key,
        ok: false,
        error: `Bulk job ${id} ended ${state}${jobError} without reporting this row${unreadable}`,
        jobId: id
      };
      failed++;
    }
    this.ctx.progress(
      `${this.label}: job ${id} ${state}: ${n(ok)} written (${n(created)} created, ${n(ok - created)} updated), ${n(failed)} failed`
    );
  }

  /**
   * How a result line finds its row: upsert by the external ID column, insert by the line the row was sent as
   * (the result sets echo the sent columns after their own sf__ columns).
   */
  private matcher(header: readonly string[], shape: Shape, set: string): (values: readonly string[]) => string {
    const find = (c: string) => header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
    if (this.matching.kind === 'upsert') {
      const keyAt = find(this.matching.externalIdField);
      if (keyAt < 0 && header.length > 0) {
        throw new Error(`${set} has no ${this.matching.externalIdField} column: ${header.join(',')}`);
      }
      return (values) => values[keyAt] ?? '';
    }
    const positions = shape.columns.map(find);
    if (positions.some((p) => p < 0) && header.length > 0) {
      throw new Error(`${set} lacks some of the columns sent (${shape.columns.join(',')}): ${header.join(',')}`);
    }
    return (values) => csvLine(positions.map((p) => values[p] ?? ''));
  }
}

function interrupted(
  err: unknown,
  results: readonly (IngestRowResult | undefined)[],
  options: IngestOptions,
  matching: Matching,
  jobId: string | undefined
): BulkInterruptedError {
  const ok = results.filter((r) => r?.ok).length;
  const failed = results.filter((r) => r && !r.ok).length;
  const unknown = results.length - ok - failed;
  const reason = err instanceof SessionExpiredError ? 'session' : isTransient(err) ? 'unavailable' : 'unexpected';
  const what =
    reason === 'session'
      ? 'the session expired'
      : reason === 'unavailable'
        ? `the org kept failing (${(err as Error).message})`
        : (err as Error).message;
  return new BulkInterruptedError(
    `writing ${options.object}${options.orgName ? ` into ${options.orgName}` : ''} stopped: ${what}`,
    results,
    jobId,
    reason,
    {
      cause: err,
      details: [
        `${n(ok)} of ${n(results.length)} rows were confirmed written, ${n(failed)} failed with a reason, ${n(unknown)} have no confirmed outcome`,
        ...(jobId ? [`Bulk job ${jobId} was in flight: see Setup > Bulk Data Load Jobs`] : []),
        matching.kind === 'upsert'
          ? 'running the sync again is safe: it re-reads the org and upserts by external ID, so it converges without duplicates'
          : 'rows without a confirmed outcome may have been inserted: check the org before sending them again'
      ]
    }
  );
}

/** Runs the rows through as few jobs as the size limit allows, one after the other; one result per row, in order. */
async function bulkIngest(
  http: BulkHttp,
  rows: readonly SObjectRow[],
  matching: Matching,
  options: IngestOptions
): Promise<IngestRowResult[]> {
  if (rows.length === 0) return [];
  const results: (IngestRowResult | undefined)[] = new Array<IngestRowResult | undefined>(rows.length);
  const ctx: JobContext = {
    http,
    retry: options.retry ?? DEFAULT_RETRY,
    poll: options.poll ?? DEFAULT_POLL,
    timing: options.timing ?? realTiming,
    progress: options.onProgress ?? (() => {})
  };
  const maxBytes = options.maxJobBytes ?? MAX_JOB_BYTES;
  const planned = prepare(rows, matching, results).map((shape) => ({
    shape,
    ...planJobs(shape.rows, Buffer.byteLength(shape.headerLine), maxBytes)
  }));
  for (const r of planned.flatMap((p) => p.tooBig)) {
    results[r.index] = {
      key: r.key,
      ok: false,
      error: `the row is ${n(r.bytes)} bytes of CSV, more than one Bulk job takes (${n(maxBytes)} bytes)`
    };
  }
  const jobCount = planned.reduce((s, p) => s + p.jobs.length, 0);
  const sent = planned.flatMap((p) => p.jobs.flat());
  ctx.progress(
    `${options.object}: ${n(sent.length)} rows in ${jobCount} Bulk job${jobCount === 1 ? '' : 's'} ` +
      `(${mb(sent.reduce((s, r) => s + r.bytes, 0))} of CSV)`
  );
  const run = new IngestRun(ctx, options, matching, results);
  let refusedAll: string | undefined;
  const sendJobs = async (jobsByShape: readonly { shape: Shape; jobs: ReadyRow[][] }[]) => {
    for (const { shape, jobs } of jobsByShape) {
      for (const job of jobs) {
        if (refusedAll) {
          for (const r of job) results[r.index] = { key: r.key, ok: false, error: `not sent: ${refusedAll}` };
          continue;
        }
        try {
          await run.run(shape, job);
        } catch (err) {
          if (!(err instanceof JobRefused)) throw interrupted(err, results, options, matching, run.jobId);
          for (const r of job) results[r.index] = { key: r.key, ok: false, error: err.reason, jobId: run.jobId };
          run.jobId = undefined;
          if (err.allJobs) refusedAll = err.reason;
        }
      }
    }
  };
  await sendJobs(planned);

  // rows known not written for a passing reason go again, after a backoff, a bounded number of times
  const rowRetry = options.rowRetry ?? DEFAULT_ROW_RETRY;
  const sends = new Map<number, number>();
  for (let attempt = 2; attempt <= rowRetry.attempts; attempt++) {
    const again = planned.map(({ shape }) => ({
      shape,
      rows: shape.rows.filter((r) => results[r.index]?.retryable)
    }));
    const count = again.reduce((s, a) => s + a.rows.length, 0);
    if (count === 0) break;
    const delay = backoffDelay(attempt - 1, rowRetry, ctx.timing.random);
    ctx.progress(
      `${options.object}: ${n(count)} row${count === 1 ? '' : 's'} not written for a passing reason ` +
        `(${results.find((r) => r?.retryable)?.error ?? ''}); send ${attempt} of ${rowRetry.attempts} in ${(delay / 1000).toFixed(1)} s`
    );
    await ctx.timing.sleep(delay);
    for (const a of again) for (const r of a.rows) sends.set(r.index, attempt);
    await sendJobs(
      again
        .filter((a) => a.rows.length > 0)
        .map((a) => ({ shape: a.shape, jobs: planJobs(a.rows, Buffer.byteLength(a.shape.headerLine), maxBytes).jobs }))
    );
  }
  for (const [index, times] of sends) {
    const r = results[index];
    if (r) r.attempts = times;
    if (r && !r.ok) r.error = `${r.error ?? 'failed'} (sent ${times} times)`;
  }
  // every slot is filled by now; the fallback keeps a future change from returning a hole
  return Array.from(results, (r, i) => r ?? { key: String(i + 1), ok: false, error: 'no outcome (internal error)' });
}

/**
 * Upserts rows by external ID; one result per input row, in order. Throws BulkInterruptedError only when the run
 * cannot go on.
 */
export function bulkUpsert(
  http: BulkHttp,
  rows: readonly SObjectRow[],
  options: UpsertOptions
): Promise<IngestRowResult[]> {
  return bulkIngest(http, rows, { kind: 'upsert', externalIdField: options.externalIdField }, options);
}

/**
 * Inserts rows (for objects with no external ID, such as Task); each result carries `keys[i]`. An insert is not
 * idempotent: a row whose outcome is unknown (BulkInterruptedError, or a job still running when the wait ran out)
 * must be checked before it is sent again.
 */
export function bulkInsert(
  http: BulkHttp,
  rows: readonly SObjectRow[],
  keys: readonly string[],
  options: IngestOptions
): Promise<IngestRowResult[]> {
  return bulkIngest(http, rows, { kind: 'insert', resultKeys: keys }, options);
}
