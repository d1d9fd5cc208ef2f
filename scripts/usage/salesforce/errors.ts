/**
 * The one error an upsert throws: the run could not go on (session expired, the org kept failing, an answer made
 * no sense). It carries what is known, so the caller can still account for every row: rows with a result are
 * settled (written or failed with a reason); the others have no confirmed outcome, and a re-run converges on them
 * because it re-reads the org and upserts by external ID.
 */
import { OrgError } from '../../lib/errors';
import type { RowResult } from '../sink';

/** A row's outcome as the Bulk API reported it. */
export interface IngestRowResult extends RowResult {
  /** the record Id (written rows) */
  id?: string;
  /** true when the upsert inserted the record, false when it updated it */
  created?: boolean;
  /** the Bulk job that carried the row */
  jobId?: string;
  /**
   * the row is known not to be written and sending it again may succeed: UNABLE_TO_LOCK_ROW, or unprocessed by a job
   * that ended Failed or Aborted (the ingest driver re-sends such rows within the run, a bounded number of times)
   */
  retryable?: boolean;
  /** how many times the row was sent, when more than once */
  attempts?: number;
}

export class BulkInterruptedError extends OrgError {
  /** one entry per input row, in order; undefined where the outcome is not known */
  readonly results: readonly (IngestRowResult | undefined)[];

  constructor(
    message: string,
    results: readonly (IngestRowResult | undefined)[],
    /** the job in flight when the run stopped, if any */
    readonly jobId: string | undefined,
    readonly reason: 'session' | 'unavailable' | 'unexpected',
    options: { details?: string[]; cause?: unknown } = {}
  ) {
    super(message, options);
    // dense, so that every row without an outcome is an explicit undefined (filter and forEach skip holes)
    this.results = Array.from(results);
  }

  get confirmed(): number {
    return this.results.filter((r) => r?.ok).length;
  }
  get failed(): number {
    return this.results.filter((r) => r && !r.ok).length;
  }
  get unknown(): number {
    return this.results.filter((r) => r === undefined).length;
  }
}
