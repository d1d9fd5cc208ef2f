/**
 * A local test double of the Salesforce Bulk API 2.0 (ingest and query jobs) and of the REST query endpoint, on
 * 127.0.0.1, so the real jsforce 3.10.16 client can be driven against it with no org. It keeps an in-memory store of
 * records, answers with the JSON and CSV shapes of the real API, and injects the faults a sync has to survive
 * (5xx, connection resets, a lost response to close, Failed/Aborted jobs, per-row errors, slow jobs, an expired
 * session). Every request is logged so tests can count API calls.
 *
 * Usage:
 *   const double = await startBulkDouble({ faults: { upload: { status: 503, times: 1 } } });
 *   const conn = new Connection({ instanceUrl: double.url, accessToken: double.accessToken, version: '65.0' });
 *   ...
 *   await double.close();
 *
 * Documented behaviour modelled: endpoints and JSON/CSV shapes, job states, 201 on upload, 204 on delete (only for
 * UploadComplete/JobComplete/Aborted/Failed jobs), the 100 MB raw upload limit, result CSVs (`sf__Id,sf__Created,...`,
 * `sf__Id,sf__Error,...`, unprocessed = original columns), query paging with Sforce-Locator ("null" on the last page)
 * and Sforce-NumberOfRecords, `RelationshipName.ExternalIdField` columns, and the REST error body
 * `[{"message","errorCode"}]`. Error texts seen from real orgs: the foreign-key error, DUPLICATE_VALUE, INVALIDJOBSTATE,
 * "Found multipe contents for job" (a second PUT makes the close fail), the LineEnding and "Field name not found"
 * job failures. Where the real API's exact behaviour is not documented, the choice made here is marked "assumed":
 * mostly HTTP statuses of refusals (409 for a wrong job state, 413 for oversize data, 400 for an empty upload or
 * unfinished query results) and that a closed job with no data completes with zero records.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { COLUMN_DELIMITERS, detectLineEnding, formatCsv, parseCsv, type ColumnDelimiter, type LineEnding } from './csv';
import { parseSoql, resolvePath, runSoql, SoqlError, type SoqlQuery } from './soql';
import {
  applyRows,
  IdFactory,
  RecordStore,
  STANDARD_KEY_PREFIXES,
  type FieldValue,
  type IngestOperation,
  type RelationshipSpec,
  type RowOutcome,
  type SObjectRecord
} from './store';

export type { FieldValue, RelationshipSpec, SObjectRecord } from './store';

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
type FinalState = 'JobComplete' | 'Failed' | 'Aborted';

/** Answer the next `times` matching requests with this HTTP status (and a Salesforce error body). */
export interface StatusFault {
  status: number;
  times: number;
  /** Answer with this page as text/html instead of a Salesforce error body (a gateway or proxy in front of the org). */
  html?: string;
}
/** Destroy the socket of the next `times` matching requests before reading them: the client sees a reset. */
export interface ResetFault {
  reset: true;
  times: number;
}
/** Apply the next `times` closes, then destroy the socket instead of answering: the "lost response" case. */
export interface DropResponseFault {
  dropResponse: true;
  times: number;
}

/** Faults; the object is live (tests may change it between calls) and counted faults are used up as they fire. */
export interface BulkFaults {
  /** POST jobs/ingest */
  createJob?: StatusFault;
  /** PUT jobs/ingest/{id}/batches */
  upload?: StatusFault | ResetFault;
  /** PATCH jobs/ingest/{id} with state UploadComplete */
  close?: StatusFault | DropResponseFault;
  /** GET jobs/ingest/{id} and GET jobs/query/{id} (job info polls) */
  poll?: StatusFault | ResetFault;
  /** GET jobs/ingest/{id}/successfulResults, failedResults and unprocessedrecords (the job has run: rows are written) */
  results?: StatusFault | ResetFault;
  /** Every ingest job closed while this is set ends in this state instead of JobComplete. */
  jobOutcome?: 'Failed' | 'Aborted';
  /** With jobOutcome: how many rows were processed (and written) before the job stopped; the rest are unprocessed. */
  processedBeforeFailure?: number;
  /** errorMessage of a job failed by jobOutcome. */
  jobErrorMessage?: string;
  /** A message here fails that row (it lands in failedResults with this sf__Error) and nothing is written. */
  rowFailure?: (row: Record<string, string>) => string | undefined;
  /** Extra InProgress answers for every job closed (or query created) while set. */
  slowPolls?: number;
  /** After this many accepted requests the session expires: 401 INVALID_SESSION_ID until refreshSession(). */
  expireSessionAfter?: number;
  /** Delay before answering every request, in milliseconds. */
  delayMs?: number;
}

export type FaultName =
  | 'createJob'
  | 'upload'
  | 'close'
  | 'poll'
  | 'results'
  | 'jobOutcome'
  | 'rowFailure'
  | 'slowPolls'
  | 'expireSession'
  | 'delay';

export interface BulkDoubleOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The token the double accepts at start (default `test-token`). */
  accessToken?: string;
  /** Job-info polls answered InProgress after close (ingest) or create (query) before the outcome shows (default 1). */
  pollsInProgress?: number;
  /** Largest upload accepted, in bytes (default 100 MB, the documented limit for raw CSV). */
  maxUploadBytes?: number;
  /** Rows per Bulk query results page when the client sends no maxRecords (default 10000). */
  queryPageSize?: number;
  /** Records per REST query page before nextRecordsUrl (default 2000, the REST default batch size). */
  restQueryPageSize?: number;
  /**
   * Relationship columns per child object, e.g. `{ Usage_Snapshot__c: { Account__r: { parent: 'Account', field:
   * 'Account__c', required: true } } }`. Without an entry, `X__r` means lookup `X__c` to `X` (when `X` is a
   * standard object or has records) or to `X__c`, and a standard `X` means lookup `XId` to `X`.
   */
  relationships?: Record<string, Record<string, RelationshipSpec>>;
  /**
   * Known fields per object. When given, an ingest job naming a field not listed fails (`InvalidBatch : Field name
   * not found : X`) and a query naming one is rejected (INVALID_FIELD), as a real org does.
   */
  fields?: Record<string, readonly string[]>;
  /**
   * Accept a PUT with an empty body (201) instead of rejecting it with 400 INVALIDJOB (default false). Which one a
   * real org does is not documented; it matters because jsforce re-sends a consumed (empty) body when it retries an
   * upload, so this decides whether that retry fails loudly or "succeeds" with no rows.
   */
  acceptEmptyUpload?: boolean;
  /**
   * Node's server request, header and keep-alive timeouts, in ms (default Node's: 300 s, 60 s, 5 s). A request whose
   * body never ends (jsforce re-sending an upload after a session refresh) is answered 408 after about this long.
   */
  requestTimeoutMs?: number;
  /**
   * The API versions the org serves, e.g. `['58.0', '59.0', '60.0']` for an org on an older release: GET
   * /services/data lists them, and a request under any other version is answered 404 NOT_FOUND, as a real org does.
   * Default: every version is served and the list is 31.0 to 65.0.
   */
  apiVersions?: readonly string[];
  /** Key prefixes for custom objects, e.g. `{ Usage_Snapshot__c: 'a05' }` (default: a0A, a0B, ... by first use). */
  keyPrefixes?: Record<string, string>;
  faults?: BulkFaults;
}

export type CallKind =
  | 'ingest.create'
  | 'ingest.list'
  | 'ingest.info'
  | 'ingest.upload'
  | 'ingest.close'
  | 'ingest.abort'
  | 'ingest.patch'
  | 'ingest.delete'
  | 'ingest.successfulResults'
  | 'ingest.failedResults'
  | 'ingest.unprocessedrecords'
  | 'query.create'
  | 'query.list'
  | 'query.info'
  | 'query.abort'
  | 'query.delete'
  | 'query.results'
  | 'rest.query'
  | 'rest.queryMore'
  | 'versions'
  | 'unknown';

export interface CallRecord {
  seq: number;
  method: string;
  /** Path without the query string, e.g. `/services/data/v65.0/jobs/ingest/750.../batches`. */
  path: string;
  /** The query string including `?`, or ''. */
  search: string;
  kind: CallKind;
  /** HTTP status answered; 0 when the connection was cut instead. */
  status: number;
  jobId?: string;
  /** The fault that shaped this answer, if any. */
  fault?: FaultName;
  /** Bytes of job data received (uploads only). */
  requestBytes?: number;
}

export type CallFilter =
  | Partial<{ method: string; path: string | RegExp; status: number; kind: CallKind; jobId: string }>
  | ((call: CallRecord) => boolean);

/** Job info as the double holds it (what GET would answer, without counting as a poll). */
export type IngestJobInfo = Record<string, unknown> & { id: string; state: JobState };

export interface BulkDouble {
  /** `http://127.0.0.1:<port>`: the instanceUrl for jsforce. */
  readonly url: string;
  /** The token currently accepted. */
  readonly accessToken: string;
  faults: BulkFaults;
  /** How many times each fault fired. */
  readonly faultsFired: Readonly<Record<FaultName, number>>;
  /** Every request in arrival order. */
  readonly calls: readonly CallRecord[];
  callCount(filter?: CallFilter): number;
  clearCalls(): void;
  /** Adds records (an Id is generated unless given) and returns them with their Ids. */
  seed(object: string, records: readonly Record<string, FieldValue>[]): SObjectRecord[];
  /** A copy of the records of an object, in insertion order. */
  records(object: string): SObjectRecord[];
  /** An ingest job's info without advancing its polls; undefined once deleted. */
  ingestJob(id: string): IngestJobInfo | undefined;
  /** Ids of ingest jobs that still exist, in creation order. */
  ingestJobIds(): string[];
  /** Issues a new access token (the old one stops working) and clears an expired session. */
  refreshSession(): string;
  close(): Promise<void>;
}

const MB = 1024 * 1024;
const OPERATIONS: readonly IngestOperation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];
const RESULT_KINDS = ['successfulResults', 'failedResults', 'unprocessedrecords'] as const;
const USER_RELATIONSHIPS = new Set(['owner', 'createdby', 'lastmodifiedby']);

interface IngestJob {
  id: string;
  version: string;
  object: string;
  operation: IngestOperation;
  externalIdFieldName?: string;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
  createdDate: string;
  modstamp: string;
  state: JobState;
  uploads: Buffer[];
  uploadedBytes: number;
  pollsLeft: number;
  final?: { state: FinalState; errorMessage?: string };
  header: string[];
  outcomes: RowOutcome[];
}

interface QueryJob {
  id: string;
  version: string;
  operation: 'query' | 'queryAll';
  query: string;
  object: string;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
  createdDate: string;
  modstamp: string;
  state: JobState;
  pollsLeft: number;
  columns: string[];
  rows: string[][];
}

/** A Salesforce REST error body: an array of {message, errorCode}. */
function sfError(errorCode: string, message: string): [{ message: string; errorCode: string }] {
  return [{ message, errorCode }];
}

/** The body a real org tends to send with a 5xx or a throttle. */
function statusFaultBody(status: number): ReturnType<typeof sfError> {
  if (status === 503) return sfError('SERVER_UNAVAILABLE', 'Server temporarily unavailable (double)');
  // 429: throttled; 403 with this code: the org's daily API request limit is used up
  if (status === 429 || status === 403)
    return sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded (double)');
  if (status >= 500) {
    return sfError(
      'UNKNOWN_EXCEPTION',
      'An unexpected error occurred. Please include this ErrorId if you contact support: double'
    );
  }
  return sfError(`ERROR_HTTP_${status}`, `injected HTTP ${status}`);
}

/** Salesforce's timestamp format in job info: `2024-01-03T23:52:01.000+0000`. */
function sfDate(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}

function isTerminal(state: JobState): state is FinalState {
  return state === 'JobComplete' || state === 'Failed' || state === 'Aborted';
}

/** Query result locators look like `MTAwMDA` (base64 of the row offset, unpadded), as in the docs' example. */
function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}
function decodeLocator(locator: string): number | undefined {
  const n = Number(Buffer.from(locator, 'base64').toString('utf8'));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // past the limit, keep draining (so the client gets the answer) but stop holding the bytes
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), size }));
    req.on('error', reject);
  });
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType: 'json' | 'csv' | 'html' | 'none',
    readonly headers: Record<string, string> = {}
  ) {}
}
const json = (status: number, body: unknown): HttpAnswer => new HttpAnswer(status, body, 'json');
const csv = (text: string, headers: Record<string, string> = {}): HttpAnswer =>
  new HttpAnswer(200, text, 'csv', headers);
const empty = (status: number): HttpAnswer => new HttpAnswer(status, undefined, 'none');
const html = (status: number, page: string): HttpAnswer => new HttpAnswer(status, page, 'html');
/** A status fault's answer: the Salesforce error body, or the HTML page of a gateway when the fault gives one. */
const statusFaultAnswer = (fault: StatusFault): HttpAnswer =>
  fault.html === undefined ? json(fault.status, statusFaultBody(fault.status)) : html(fault.status, fault.html);
/** Cut the connection instead of answering. */
const CUT = Symbol('cut');
type Answer = HttpAnswer | typeof CUT;

class BulkApiDouble implements BulkDouble {
  faults: BulkFaults;
  readonly calls: CallRecord[] = [];
  readonly faultsFired: Record<FaultName, number> = {
    createJob: 0,
    upload: 0,
    close: 0,
    poll: 0,
    results: 0,
    jobOutcome: 0,
    rowFailure: 0,
    slowPolls: 0,
    expireSession: 0,
    delay: 0
  };
  url = '';

  private readonly server: http.Server;
  private readonly store: RecordStore;
  private readonly ids: IdFactory;
  private readonly ingestJobs = new Map<string, IngestJob>();
  private readonly queryJobs = new Map<string, QueryJob>();
  /** REST query cursors: locator id -> the snapshot of matching records. */
  private readonly cursors = new Map<string, { q: SoqlQuery; rows: SObjectRecord[] }>();
  private readonly baseToken: string;
  private token: string;
  private tokenValid = true;
  private tokenSeq = 1;
  private sessionRequests = 0;
  private readonly userId: string;

  constructor(private readonly options: BulkDoubleOptions) {
    this.faults = options.faults ?? {};
    this.ids = new IdFactory(options.keyPrefixes);
    this.store = new RecordStore(this.ids);
    this.baseToken = options.accessToken ?? 'test-token';
    this.token = this.baseToken;
    this.userId = this.ids.forObject('User');
    const timeout = options.requestTimeoutMs;
    this.server = http.createServer(
      timeout === undefined
        ? {}
        : {
            requestTimeout: timeout,
            headersTimeout: timeout,
            connectionsCheckingInterval: Math.max(10, Math.floor(timeout / 4))
          },
      (req, res) => void this.handle(req, res)
    );
    if (timeout !== undefined) this.server.keepAliveTimeout = timeout;
  }

  get accessToken(): string {
    return this.token;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- helpers for tests -------------------------------------------------------------------------------------

  callCount(filter?: CallFilter): number {
    if (!filter) return this.calls.length;
    if (typeof filter === 'function') return this.calls.filter(filter).length;
    return this.calls.filter(
      (c) =>
        (filter.method === undefined || c.method === filter.method.toUpperCase()) &&
        (filter.path === undefined ||
          (typeof filter.path === 'string' ? c.path === filter.path : filter.path.test(c.path))) &&
        (filter.status === undefined || c.status === filter.status) &&
        (filter.kind === undefined || c.kind === filter.kind) &&
        (filter.jobId === undefined || c.jobId === filter.jobId)
    ).length;
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  seed(object: string, records: readonly Record<string, FieldValue>[]): SObjectRecord[] {
    return records.map((r) => ({ ...this.store.insert(object, r) }));
  }

  records(object: string): SObjectRecord[] {
    return this.store.all(object).map((r) => ({ ...r }));
  }

  ingestJob(id: string): IngestJobInfo | undefined {
    const job = this.ingestJobs.get(id);
    return job ? this.ingestInfo(job) : undefined;
  }

  ingestJobIds(): string[] {
    return [...this.ingestJobs.keys()];
  }

  refreshSession(): string {
    this.token = `${this.baseToken}-${++this.tokenSeq}`;
    this.tokenValid = true;
    this.sessionRequests = 0;
    return this.token;
  }

  // ---- request plumbing --------------------------------------------------------------------------------------

  private fire(name: FaultName): FaultName {
    this.faultsFired[name]++;
    return name;
  }

  /** Takes one use of a counted fault, or undefined when it is not armed. */
  private take<K extends 'createJob' | 'upload' | 'close' | 'poll' | 'results'>(name: K): BulkFaults[K] | undefined {
    const fault = this.faults[name];
    if (!fault || fault.times <= 0) return undefined;
    fault.times--;
    if (fault.times <= 0) delete this.faults[name];
    this.fire(name);
    return fault;
  }

  private authorize(req: http.IncomingMessage): boolean {
    const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || m[1] !== this.token || !this.tokenValid) return false;
    const limit = this.faults.expireSessionAfter;
    if (limit !== undefined && this.sessionRequests >= limit) {
      this.tokenValid = false;
      delete this.faults.expireSessionAfter;
      this.fire('expireSession');
      return false;
    }
    this.sessionRequests++;
    return true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const call: CallRecord = {
      seq: this.calls.length + 1,
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      kind: 'unknown',
      status: 0
    };
    this.calls.push(call);
    let answer: Answer;
    try {
      if (this.faults.delayMs) {
        call.fault = this.fire('delay');
        await new Promise((r) => setTimeout(r, this.faults.delayMs));
      }
      answer = await this.route(req, url, call);
    } catch (err) {
      answer = json(500, sfError('UNKNOWN_EXCEPTION', `double: ${(err as Error).message}`));
    }
    if (answer === CUT) {
      call.status = 0;
      req.socket.destroy();
      return;
    }
    call.status = answer.status;
    if (answer.contentType === 'none') {
      res.writeHead(answer.status, answer.headers);
      res.end();
    } else if (answer.contentType === 'csv') {
      res.writeHead(answer.status, { 'Content-Type': 'text/csv', ...answer.headers });
      res.end(answer.body as string);
    } else if (answer.contentType === 'html') {
      res.writeHead(answer.status, { 'Content-Type': 'text/html; charset=utf-8', ...answer.headers });
      res.end(answer.body as string);
    } else {
      res.writeHead(answer.status, { 'Content-Type': 'application/json;charset=UTF-8', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    }
  }

  private async route(req: http.IncomingMessage, url: URL, call: CallRecord): Promise<Answer> {
    const method = call.method;
    const notFound = json(404, sfError('NOT_FOUND', 'The requested resource does not exist'));
    if (/^\/services\/data\/?$/.test(url.pathname)) {
      // the versions resource needs no session
      call.kind = 'versions';
      return method === 'GET' ? json(200, this.versions()) : notFound;
    }
    const m = /^\/services\/data\/v(\d+\.\d+)\/(.*?)\/?$/.exec(url.pathname);
    if (!m) return notFound;
    const version = m[1] as string;
    if (this.options.apiVersions && !this.options.apiVersions.includes(version)) return notFound;
    const parts = (m[2] as string).split('/');
    const [area, sub, id, leaf] = parts;
    const notAllowed = (allowed: string): HttpAnswer =>
      json(405, sfError('METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`));

    // classify first, so a 401 is still counted as the call it was meant to be
    let handler: (() => Promise<Answer>) | undefined;
    if (area === 'jobs' && sub === 'ingest' && parts.length === 2) {
      call.kind = method === 'POST' ? 'ingest.create' : 'ingest.list';
      handler = async () =>
        method === 'POST'
          ? this.createIngestJob(req, version)
          : method === 'GET'
            ? this.listIngestJobs()
            : notAllowed('GET,POST');
    } else if (area === 'jobs' && sub === 'ingest' && id && parts.length === 3) {
      call.jobId = id;
      call.kind = method === 'GET' ? 'ingest.info' : method === 'DELETE' ? 'ingest.delete' : 'ingest.patch';
      handler = async () =>
        method === 'GET'
          ? this.ingestInfoAnswer(id)
          : method === 'PATCH'
            ? this.patchIngestJob(req, id, call)
            : method === 'DELETE'
              ? this.deleteIngestJob(id)
              : notAllowed('GET,PATCH,DELETE');
    } else if (area === 'jobs' && sub === 'ingest' && id && leaf === 'batches' && parts.length === 4) {
      call.jobId = id;
      call.kind = 'ingest.upload';
      handler = async () => (method === 'PUT' ? this.upload(req, id, call) : notAllowed('PUT'));
    } else if (
      area === 'jobs' &&
      sub === 'ingest' &&
      id &&
      parts.length === 4 &&
      RESULT_KINDS.some((k) => k === leaf)
    ) {
      const which = leaf as (typeof RESULT_KINDS)[number];
      call.jobId = id;
      call.kind = `ingest.${which}`;
      handler = async () => (method === 'GET' ? this.ingestResults(id, which) : notAllowed('GET'));
    } else if (area === 'jobs' && sub === 'query' && parts.length === 2) {
      call.kind = method === 'POST' ? 'query.create' : 'query.list';
      handler = async () =>
        method === 'POST'
          ? this.createQueryJob(req, version)
          : method === 'GET'
            ? this.listQueryJobs()
            : notAllowed('GET,POST');
    } else if (area === 'jobs' && sub === 'query' && id && parts.length === 3) {
      call.jobId = id;
      call.kind = method === 'GET' ? 'query.info' : method === 'DELETE' ? 'query.delete' : 'query.abort';
      handler = async () =>
        method === 'GET'
          ? this.queryInfoAnswer(id)
          : method === 'PATCH'
            ? this.abortQueryJob(req, id)
            : method === 'DELETE'
              ? this.deleteQueryJob(id)
              : notAllowed('GET,PATCH,DELETE');
    } else if (area === 'jobs' && sub === 'query' && id && leaf === 'results' && parts.length === 4) {
      call.jobId = id;
      call.kind = 'query.results';
      handler = async () => (method === 'GET' ? this.queryResults(id, url) : notAllowed('GET'));
    } else if ((area === 'query' || area === 'queryAll') && parts.length === 1) {
      call.kind = 'rest.query';
      handler = async () => (method === 'GET' ? this.restQuery(url, version) : notAllowed('GET'));
    } else if (area === 'query' && sub && parts.length === 2) {
      call.kind = 'rest.queryMore';
      handler = async () => (method === 'GET' ? this.restQueryMore(sub, version) : notAllowed('GET'));
    }
    if (!this.authorize(req)) {
      return json(401, sfError('INVALID_SESSION_ID', 'Session expired or invalid'));
    }
    if (!handler) return notFound;
    if (call.kind === 'ingest.info' || call.kind === 'query.info') {
      const fault = this.take('poll');
      if (fault) {
        call.fault = 'poll';
        return 'reset' in fault ? CUT : statusFaultAnswer(fault);
      }
    }
    if (call.kind.startsWith('ingest.') && RESULT_KINDS.some((k) => call.kind === `ingest.${k}`)) {
      const fault = this.take('results');
      if (fault) {
        call.fault = 'results';
        return 'reset' in fault ? CUT : statusFaultAnswer(fault);
      }
    }
    return handler();
  }

  private async readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | HttpAnswer> {
    const { body } = await readBody(req, MB);
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through to the error below
    }
    return json(400, sfError('JSON_PARSER_ERROR', 'The request body is not a JSON object'));
  }

  private relationship = (object: string, name: string): RelationshipSpec => {
    const byObject = Object.entries(this.options.relationships ?? {}).find(
      ([o]) => o.toLowerCase() === object.toLowerCase()
    )?.[1];
    const configured = Object.entries(byObject ?? {}).find(([r]) => r.toLowerCase() === name.toLowerCase())?.[1];
    if (configured) return configured;
    if (/__r$/i.test(name)) {
      const base = name.slice(0, -3);
      const standard = this.store.hasObject(base) || base in STANDARD_KEY_PREFIXES;
      return { parent: standard ? base : `${base}__c`, field: `${base}__c` };
    }
    return { parent: USER_RELATIONSHIPS.has(name.toLowerCase()) ? 'User' : name, field: `${name}Id` };
  };

  private knownFields(object: string): readonly string[] | undefined {
    return Object.entries(this.options.fields ?? {}).find(([o]) => o.toLowerCase() === object.toLowerCase())?.[1];
  }

  private hasField(object: string, field: string): boolean {
    const known = this.knownFields(object);
    return !known || field.toLowerCase() === 'id' || known.some((f) => f.toLowerCase() === field.toLowerCase());
  }

  // ---- ingest jobs -------------------------------------------------------------------------------------------

  private async createIngestJob(req: http.IncomingMessage, version: string): Promise<Answer> {
    const body = await this.readJson(req);
    if (body instanceof HttpAnswer) return body;
    const fault = this.take('createJob');
    if (fault) return statusFaultAnswer(fault);
    const invalid = (message: string): HttpAnswer => json(400, sfError('INVALIDJOB', `InvalidJob : ${message}`));
    const { object, operation, externalIdFieldName, contentType, lineEnding, columnDelimiter } = body;
    if (typeof object !== 'string' || !object) return invalid('Object is required');
    if (typeof operation !== 'string' || !OPERATIONS.includes(operation as IngestOperation)) {
      return invalid(`Invalid operation: ${String(operation)}`);
    }
    if (contentType !== undefined && contentType !== 'CSV')
      return invalid(`Invalid contentType: ${String(contentType)}`);
    if (lineEnding !== undefined && lineEnding !== 'LF' && lineEnding !== 'CRLF') {
      return invalid(`Invalid lineEnding: ${String(lineEnding)}`);
    }
    if (columnDelimiter !== undefined && !(String(columnDelimiter) in COLUMN_DELIMITERS)) {
      return invalid(`Invalid columnDelimiter: ${String(columnDelimiter)}`);
    }
    if (this.options.fields && !this.knownFields(object)) return invalid(`Unable to find object: ${object}`);
    if (operation === 'upsert') {
      if (typeof externalIdFieldName !== 'string' || !externalIdFieldName) {
        return invalid('External ID field name is required for upsert');
      }
      if (!this.hasField(object, externalIdFieldName)) {
        return invalid(
          `Field name provided, ${externalIdFieldName} does not match an External ID, Salesforce Id, or indexed field for ${object}`
        );
      }
    }
    const now = sfDate();
    const job: IngestJob = {
      id: this.ids.next('750'),
      version,
      object,
      operation: operation as IngestOperation,
      externalIdFieldName: operation === 'upsert' ? (externalIdFieldName as string) : undefined,
      lineEnding: (lineEnding as LineEnding | undefined) ?? 'LF',
      columnDelimiter: (columnDelimiter as ColumnDelimiter | undefined) ?? 'COMMA',
      createdDate: now,
      modstamp: now,
      state: 'Open',
      uploads: [],
      uploadedBytes: 0,
      pollsLeft: 0,
      header: [],
      outcomes: []
    };
    this.ingestJobs.set(job.id, job);
    return json(200, this.ingestInfo(job));
  }

  private ingestInfo(job: IngestJob): IngestJobInfo {
    const done = isTerminal(job.state);
    const processed = job.outcomes.filter((o) => o.kind !== 'unprocessed').length;
    const failed = job.outcomes.filter((o) => o.kind === 'failure').length;
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.modstamp,
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.version),
      jobType: 'V2Ingest',
      contentUrl: `services/data/v${job.version}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: done ? processed : 0,
      numberRecordsFailed: done ? failed : 0,
      retries: 0,
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
      ...(done && job.final?.errorMessage ? { errorMessage: job.final.errorMessage } : {})
    };
  }

  /** GET /services/data: the versions this org serves, oldest first, as the real resource lists them. */
  private versions(): { label: string; url: string; version: string }[] {
    const served = this.options.apiVersions ?? Array.from({ length: 35 }, (_, i) => `${31 + i}.0`);
    return [...served]
      .sort((a, b) => Number(a) - Number(b))
      .map((version) => ({ label: `Release ${version}`, url: `/services/data/v${version}`, version }));
  }

  private listIngestJobs(): Answer {
    const records = [...this.ingestJobs.values()].map((j) => this.ingestInfo(j));
    return json(200, { done: true, records, nextRecordsUrl: null });
  }

  private missingJob(): HttpAnswer {
    return json(404, sfError('NOT_FOUND', 'The requested resource does not exist'));
  }

  private jobState(message: string): HttpAnswer {
    // assumed: 409 for a request the job's state does not allow (the errorCode is the real one)
    return json(409, sfError('INVALIDJOBSTATE', message));
  }

  /** A job-info GET is also what moves a closed job along: InProgress for a few polls, then its outcome. */
  private ingestInfoAnswer(id: string): Answer {
    const job = this.ingestJobs.get(id);
    if (!job) return this.missingJob();
    if ((job.state === 'UploadComplete' || job.state === 'InProgress') && job.final) {
      if (job.pollsLeft > 0) {
        job.pollsLeft--;
        job.state = 'InProgress';
      } else {
        job.state = job.final.state;
      }
      job.modstamp = sfDate();
    }
    return json(200, this.ingestInfo(job));
  }

  private async upload(req: http.IncomingMessage, id: string, call: CallRecord): Promise<Answer> {
    const job = this.ingestJobs.get(id);
    const fault = job ? this.take('upload') : undefined;
    if (fault && 'reset' in fault) {
      call.fault = 'upload';
      return CUT;
    }
    const max = this.options.maxUploadBytes ?? 100 * MB;
    const { body, size } = await readBody(req, max);
    call.requestBytes = size;
    if (!job) return this.missingJob();
    if (fault) {
      call.fault = 'upload';
      return statusFaultAnswer(fault);
    }
    if (job.state !== 'Open') return this.jobState(`Found Job state: ${job.state}, expected: Open`);
    if (job.uploadedBytes + size > max) {
      // assumed status and code; the limit itself is the documented one (100 MB raw, 150 MB base64)
      return json(
        413,
        sfError('EXCEEDED_MAX_SIZE_REQUEST', `Job data exceeds the limit of ${max} bytes (received ${size})`)
      );
    }
    if (size === 0 && !this.options.acceptEmptyUpload) {
      // assumed status and message (see acceptEmptyUpload)
      return json(400, sfError('INVALIDJOB', 'InvalidJob : The request body is empty: no job data was received'));
    }
    job.uploads.push(body);
    job.uploadedBytes += size;
    job.modstamp = sfDate();
    return empty(201);
  }

  private async patchIngestJob(req: http.IncomingMessage, id: string, call: CallRecord): Promise<Answer> {
    const body = await this.readJson(req);
    if (body instanceof HttpAnswer) return body;
    const job = this.ingestJobs.get(id);
    if (!job) return this.missingJob();
    if (body.state === 'UploadComplete') {
      call.kind = 'ingest.close';
      const fault = this.take('close');
      if (fault && !('dropResponse' in fault)) {
        call.fault = 'close';
        return statusFaultAnswer(fault);
      }
      if (job.state !== 'Open') return this.jobState(`Found Job state: ${job.state}, expected: Open`);
      if (job.uploads.length > 1) {
        // the real message, typo included: a job takes exactly one PUT of data
        return json(
          400,
          sfError(
            'INVALIDJOB',
            `Found multipe contents for job: <${job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`
          )
        );
      }
      this.processIngest(job);
      if (fault) {
        call.fault = 'close';
        return CUT;
      }
      return json(200, this.ingestInfo(job));
    }
    if (body.state === 'Aborted') {
      call.kind = 'ingest.abort';
      if (isTerminal(job.state)) {
        return this.jobState(
          `Aborting already ${job.state === 'JobComplete' ? 'Completed' : job.state} Job not allowed`
        );
      }
      if (job.state === 'Open') {
        const table = this.tryParse(job);
        job.header = table?.header ?? [];
        job.outcomes = (table?.rows ?? []).map((row) => ({ kind: 'unprocessed', row }));
      }
      // a job already closed was processed at close (see processIngest): those rows stay written
      job.state = 'Aborted';
      job.final = { state: 'Aborted' };
      job.modstamp = sfDate();
      return json(200, this.ingestInfo(job));
    }
    return json(400, sfError('INVALIDJOB', `InvalidJob : Invalid state change: ${String(body.state)}`));
  }

  private tryParse(job: IngestJob): { header: string[]; rows: string[][] } | undefined {
    try {
      return parseCsv(Buffer.concat(job.uploads).toString('utf8'), job.columnDelimiter);
    } catch {
      return undefined;
    }
  }

  /**
   * Runs the job at close: the rows are written to the store at once (as a real org keeps working on a closed job
   * whether or not anyone polls), while job info keeps answering InProgress for `pollsInProgress` (+ slowPolls).
   */
  private processIngest(job: IngestJob): void {
    job.state = 'UploadComplete';
    job.modstamp = sfDate();
    const slow = this.faults.slowPolls ?? 0;
    if (slow > 0) this.fire('slowPolls');
    job.pollsLeft = (this.options.pollsInProgress ?? 1) + slow;
    const fail = (errorMessage: string, table?: { header: string[]; rows: string[][] }): void => {
      job.header = table?.header ?? [];
      job.outcomes = (table?.rows ?? []).map((row) => ({ kind: 'unprocessed', row }));
      job.final = { state: 'Failed', errorMessage };
    };
    const text = Buffer.concat(job.uploads).toString('utf8');
    const ending = detectLineEnding(text);
    const table = this.tryParse(job);
    if (ending && ending !== job.lineEnding) {
      return fail(
        `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${job.lineEnding}`,
        table
      );
    }
    if (!table) {
      let reason = 'unknown';
      try {
        parseCsv(text, job.columnDelimiter);
      } catch (err) {
        reason = (err as Error).message;
      }
      return fail(`InvalidBatch : Failed to parse CSV: ${reason}`);
    }
    for (const column of table.header) {
      const dot = column.indexOf('.');
      const field = dot < 0 ? column : this.relationship(job.object, column.slice(0, dot)).field;
      if (!this.hasField(job.object, field)) return fail(`InvalidBatch : Field name not found : ${column}`, table);
    }
    const outcome = this.faults.jobOutcome;
    if (outcome) this.fire('jobOutcome');
    const rowFailure = this.faults.rowFailure;
    job.header = table.header;
    job.outcomes = applyRows(
      this.store,
      { object: job.object, operation: job.operation, externalIdFieldName: job.externalIdFieldName },
      table.header,
      table.rows,
      {
        relationship: this.relationship,
        processLimit: outcome ? (this.faults.processedBeforeFailure ?? 0) : undefined,
        rowFailure: rowFailure
          ? (row) => {
              const message = rowFailure(row);
              if (message) this.fire('rowFailure');
              return message;
            }
          : undefined
      }
    );
    job.final =
      outcome === 'Failed'
        ? { state: 'Failed', errorMessage: this.faults.jobErrorMessage ?? 'InternalServerError : job failed (double)' }
        : { state: outcome ?? 'JobComplete' };
  }

  private ingestResults(id: string, which: (typeof RESULT_KINDS)[number]): Answer {
    const job = this.ingestJobs.get(id);
    if (!job) return this.missingJob();
    if (!isTerminal(job.state)) {
      return this.jobState(`Results are not available while the job is ${job.state}`);
    }
    const fmt = (header: string[], rows: string[][]): Answer =>
      csv(formatCsv(header, rows, job.columnDelimiter, job.lineEnding));
    if (which === 'successfulResults') {
      const rows = job.outcomes.flatMap((o) => (o.kind === 'success' ? [[o.id, String(o.created), ...o.row]] : []));
      return fmt(['sf__Id', 'sf__Created', ...job.header], rows);
    }
    if (which === 'failedResults') {
      const rows = job.outcomes.flatMap((o) => (o.kind === 'failure' ? [[o.id, o.error, ...o.row]] : []));
      return fmt(['sf__Id', 'sf__Error', ...job.header], rows);
    }
    const rows = job.outcomes.flatMap((o) => (o.kind === 'unprocessed' ? [o.row] : []));
    return fmt(job.header, rows);
  }

  private deleteIngestJob(id: string): Answer {
    const job = this.ingestJobs.get(id);
    if (!job) return this.missingJob();
    // documented: only UploadComplete, JobComplete, Aborted or Failed jobs can be deleted
    if (job.state === 'Open' || job.state === 'InProgress') {
      return this.jobState(`Deleting a job in state ${job.state} is not allowed`);
    }
    this.ingestJobs.delete(id);
    return empty(204);
  }

  // ---- queries -----------------------------------------------------------------------------------------------

  /** Parses and checks a query against the known fields; the error is the answer to send. */
  private prepareQuery(soql: unknown): SoqlQuery | HttpAnswer {
    if (typeof soql !== 'string' || !soql.trim()) return json(400, sfError('MALFORMED_QUERY', 'A query is required'));
    try {
      const q = parseSoql(soql);
      if (this.options.fields && !this.knownFields(q.object)) {
        throw new SoqlError(`sObject type '${q.object}' is not supported.`, 'INVALID_TYPE');
      }
      for (const path of [...q.fields, ...q.where.map((c) => c.field), ...(q.orderBy ? [q.orderBy.field] : [])]) {
        const dot = path.indexOf('.');
        const rel = dot < 0 ? undefined : this.relationship(q.object, path.slice(0, dot));
        const ok = rel
          ? this.hasField(q.object, rel.field) && this.hasField(rel.parent, path.slice(dot + 1))
          : this.hasField(q.object, path);
        if (!ok) throw new SoqlError(`No such column '${path}' on entity '${q.object}'.`, 'INVALID_FIELD');
      }
      return q;
    } catch (err) {
      if (err instanceof SoqlError) return json(400, sfError(err.errorCode, err.message));
      throw err;
    }
  }

  private async createQueryJob(req: http.IncomingMessage, version: string): Promise<Answer> {
    const body = await this.readJson(req);
    if (body instanceof HttpAnswer) return body;
    const operation = body.operation ?? 'query';
    if (operation !== 'query' && operation !== 'queryAll') {
      return json(400, sfError('INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`));
    }
    const q = this.prepareQuery(body.query);
    if (q instanceof HttpAnswer) return q;
    if (q.count) return json(400, sfError('API_ERROR', 'Aggregate queries are not supported by Bulk API 2.0 (double)'));
    const records = runSoql(this.store, this.relationship, q);
    const rows = records.map((r) =>
      q.fields.map((f) => {
        const v = resolvePath(this.store, this.relationship, q.object, r, f).value;
        return v === null ? '' : String(v);
      })
    );
    const delimiter = String(body.columnDelimiter ?? 'COMMA');
    if (!(delimiter in COLUMN_DELIMITERS)) {
      return json(400, sfError('INVALIDJOB', `InvalidJob : Invalid columnDelimiter: ${delimiter}`));
    }
    const slow = this.faults.slowPolls ?? 0;
    if (slow > 0) this.fire('slowPolls');
    const now = sfDate();
    const job: QueryJob = {
      id: this.ids.next('750'),
      version,
      operation,
      query: body.query as string,
      object: this.store.objectName(q.object),
      lineEnding: body.lineEnding === 'CRLF' ? 'CRLF' : 'LF',
      columnDelimiter: delimiter as ColumnDelimiter,
      createdDate: now,
      modstamp: now,
      state: 'UploadComplete',
      pollsLeft: (this.options.pollsInProgress ?? 1) + slow,
      columns: q.fields,
      rows
    };
    this.queryJobs.set(job.id, job);
    return json(200, this.queryInfo(job));
  }

  private queryInfo(job: QueryJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.modstamp,
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.version),
      jobType: 'V2Query',
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0,
      retries: 0,
      totalProcessingTime: 0
    };
  }

  private listQueryJobs(): Answer {
    return json(200, {
      done: true,
      records: [...this.queryJobs.values()].map((j) => this.queryInfo(j)),
      nextRecordsUrl: null
    });
  }

  private queryInfoAnswer(id: string): Answer {
    const job = this.queryJobs.get(id);
    if (!job) return this.missingJob();
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      if (job.pollsLeft > 0) {
        job.pollsLeft--;
        job.state = 'InProgress';
      } else {
        job.state = 'JobComplete';
      }
      job.modstamp = sfDate();
    }
    return json(200, this.queryInfo(job));
  }

  private queryResults(id: string, url: URL): Answer {
    const job = this.queryJobs.get(id);
    if (!job) return this.missingJob();
    if (job.state !== 'JobComplete') {
      // assumed status; the errorCode is from an older doc example
      return json(
        400,
        sfError(
          'JOB_NOT_COMPLETE',
          `can only download query results of successfully completed bulk job. Current state: ${job.state}`
        )
      );
    }
    const locator = url.searchParams.get('locator');
    const offset = locator ? decodeLocator(locator) : 0;
    if (offset === undefined) return json(400, sfError('INVALID_LOCATOR', `Invalid locator: ${locator ?? ''}`));
    const max = Number(url.searchParams.get('maxRecords') ?? this.options.queryPageSize ?? 10000);
    const page = job.rows.slice(offset, offset + (Number.isInteger(max) && max > 0 ? max : 10000));
    const next = offset + page.length;
    return csv(formatCsv(job.columns, page, job.columnDelimiter, job.lineEnding), {
      'Sforce-NumberOfRecords': String(page.length),
      // the last page says the string "null", which is what jsforce loops on
      'Sforce-Locator': next < job.rows.length ? encodeLocator(next) : 'null'
    });
  }

  private async abortQueryJob(req: http.IncomingMessage, id: string): Promise<Answer> {
    const body = await this.readJson(req);
    if (body instanceof HttpAnswer) return body;
    const job = this.queryJobs.get(id);
    if (!job) return this.missingJob();
    if (body.state !== 'Aborted')
      return json(400, sfError('INVALIDJOB', `InvalidJob : Invalid state change: ${String(body.state)}`));
    if (isTerminal(job.state)) return this.jobState(`Aborting already ${job.state} Job not allowed`);
    job.state = 'Aborted';
    return json(200, this.queryInfo(job));
  }

  private deleteQueryJob(id: string): Answer {
    if (!this.queryJobs.delete(id)) return this.missingJob();
    return empty(204);
  }

  private restRecord(q: SoqlQuery, record: SObjectRecord, version: string): Record<string, unknown> {
    const type = this.store.objectName(q.object);
    const out: Record<string, unknown> = {
      attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${record.Id}` }
    };
    for (const path of q.fields) {
      const { value, parent } = resolvePath(this.store, this.relationship, q.object, record, path);
      if (!parent) {
        out[path] = value;
        continue;
      }
      const relName = path.slice(0, path.indexOf('.'));
      if (!parent.record) {
        out[relName] = null;
        continue;
      }
      const nested = (out[relName] as Record<string, unknown> | undefined) ?? {
        attributes: {
          type: parent.object,
          url: `/services/data/v${version}/sobjects/${parent.object}/${parent.record.Id}`
        }
      };
      nested[parent.field] = value;
      out[relName] = nested;
    }
    return out;
  }

  private restPage(q: SoqlQuery, rows: SObjectRecord[], offset: number, cursorId: string, version: string): Answer {
    const size = this.options.restQueryPageSize ?? 2000;
    const page = rows.slice(offset, offset + size);
    const next = offset + page.length;
    const done = next >= rows.length;
    return json(200, {
      totalSize: rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${cursorId}-${next}` }),
      records: page.map((r) => this.restRecord(q, r, version))
    });
  }

  private restQuery(url: URL, version: string): Answer {
    const q = this.prepareQuery(url.searchParams.get('q'));
    if (q instanceof HttpAnswer) return q;
    const rows = runSoql(this.store, this.relationship, q);
    if (q.count) return json(200, { totalSize: rows.length, done: true, records: [] });
    const cursorId = this.ids.next('01g').slice(0, 15);
    this.cursors.set(cursorId, { q, rows });
    return this.restPage(q, rows, 0, cursorId, version);
  }

  private restQueryMore(locator: string, version: string): Answer {
    const m = /^(.+)-(\d+)$/.exec(locator);
    const cursor = m ? this.cursors.get(m[1] as string) : undefined;
    if (!m || !cursor) return json(400, sfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
    return this.restPage(cursor.q, cursor.rows, Number(m[2]), m[1] as string, version);
  }
}

/** Starts the double on 127.0.0.1; `close()` it when done. */
export async function startBulkDouble(options: BulkDoubleOptions = {}): Promise<BulkDouble> {
  const double = new BulkApiDouble(options);
  await double.listen(options.port ?? 0);
  return double;
}
