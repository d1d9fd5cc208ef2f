/**
 * Reads records through a Bulk API 2.0 query job driven step by step: create, poll, then result pages followed by
 * their Sforce-Locator. Not `conn.bulk2.query`: with several result pages it crashes the process in jsforce
 * 3.10.16, and it parses CSV with every Bulk delimiter at once (see csv.ts). Every step here is safe to repeat:
 * a second query job only reads, and a locator returns the same page as often as it is asked for.
 */
import { parseCsvTable } from './csv';
import { NetworkError, type BulkHttp } from './http';
import { pollJob, retryNotice, type JobContext, type JobInfo } from './jobs';
import {
  DEFAULT_POLL,
  DEFAULT_RETRY,
  realTiming,
  withRetry,
  type PollPolicy,
  type RetryPolicy,
  type Timing
} from './retry';

/**
 * Rows per result page. Large, so a 500k-row read is one page (one API call); the org may still answer with fewer
 * (pages are also bounded by size) and the locator then brings the rest.
 */
export const DEFAULT_PAGE_SIZE = 1_000_000;

export interface QueryOptions {
  pageSize?: number;
  retry?: RetryPolicy;
  poll?: PollPolicy;
  timing?: Timing;
  onProgress?: (message: string) => void;
}

/** The query job could not deliver (Failed, Aborted, still running when the wait ran out, or a page made no sense). */
export class QueryJobError extends Error {}

const sameHeader = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((h, i) => h.toLowerCase() === (b[i] ?? '').toLowerCase());

/**
 * Runs `soql` and hands the rows to `onPage`, page by page, with the column names of the first page. Returns the
 * number of rows read.
 */
export async function bulkQuery(
  http: BulkHttp,
  soql: string,
  onPage: (header: readonly string[], rows: readonly string[][]) => void,
  options: QueryOptions = {}
): Promise<number> {
  const ctx: JobContext = {
    http,
    retry: options.retry ?? DEFAULT_RETRY,
    poll: options.poll ?? DEFAULT_POLL,
    timing: options.timing ?? realTiming,
    progress: options.onProgress ?? (() => {})
  };
  const label = /\bFROM\s+(\w+)/i.exec(soql)?.[1] ?? 'query';
  const created = await withRetry(
    () =>
      http.json<JobInfo>(
        {
          method: 'POST',
          path: 'jobs/query',
          body: JSON.stringify({ operation: 'query', query: soql, columnDelimiter: 'COMMA', lineEnding: 'LF' }),
          contentType: 'application/json'
        },
        `create a Bulk query job for ${label}`
      ),
    ctx.retry,
    ctx.timing,
    retryNotice(ctx, `create a Bulk query job for ${label}`)
  );
  ctx.progress(`${label}: query job ${created.id} ${created.state}`);
  const outcome = await pollJob(ctx, 'query', created, label);
  const { info } = outcome;
  if (!outcome.done) {
    throw new QueryJobError(
      `query job ${info.id} was still ${info.state} after ${outcome.polls} polls in ${Math.round(outcome.waitedMs / 1000)} s`
    );
  }
  if (info.state !== 'JobComplete') {
    throw new QueryJobError(
      `query job ${info.id} ended ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}`
    );
  }

  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let header: string[] | undefined;
  let locator: string | undefined;
  const seen = new Set<string>();
  let total = 0;
  for (let page = 1; ; page++) {
    const path = `jobs/query/${info.id}/results?maxRecords=${pageSize}${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`;
    const step = `read page ${page} of query job ${info.id}`;
    const { rows, next } = await withRetry(
      async () => {
        const res = await http.ok({ method: 'GET', path, accept: 'text/csv' }, step);
        const table = parseCsvTable(res.body);
        const declared = res.headers['sforce-numberofrecords'];
        const expected = declared === undefined || declared === '' ? undefined : Number(declared);
        let pageRows = table.rows;
        if (header !== undefined && table.header.length > 0) {
          // later pages repeat the header line (the double, and the docs' examples); should one not, its first
          // line is a record: Sforce-NumberOfRecords tells the two apart
          const repeated = sameHeader(table.header, header) && expected !== table.rows.length + 1;
          if (!repeated) pageRows = [table.header, ...table.rows];
        }
        // a page cut short (or padded) would silently lose or invent rows: ask for the same locator again
        if (expected !== undefined && pageRows.length !== expected) {
          throw new NetworkError(step, new Error(`${pageRows.length} rows, Sforce-NumberOfRecords says ${expected}`));
        }
        header ??= table.header;
        const nextLocator = res.headers['sforce-locator'];
        return { rows: pageRows, next: nextLocator && nextLocator !== 'null' ? nextLocator : undefined };
      },
      ctx.retry,
      ctx.timing,
      retryNotice(ctx, step)
    );
    total += rows.length;
    if (rows.length > 0) onPage(header ?? [], rows);
    ctx.progress(`${label}: ${total.toLocaleString('en-US')} rows read (page ${page})`);
    if (!next) return total;
    if (seen.has(next)) throw new QueryJobError(`query job ${info.id} repeated the result locator ${next}`);
    seen.add(next);
    locator = next;
  }
}
