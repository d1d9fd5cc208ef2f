/**
 * The usage sink over a Salesforce org: reads what the org stores with one Bulk query job per object and writes
 * with Bulk ingest jobs (upsert by external ID; the master-detail to Account through the account's usage key, the
 * `Account__r.Usage_Account_Key__c` column). Never per-record REST. A full sync of 500k snapshots costs about 20
 * API calls (see the tests); REST collections would take about 2,600.
 */
import { Org } from '@salesforce/core';
import { Connection } from 'jsforce';
import { orgFailure } from '../../deploy/salesforceTarget';
import { GtmError, OrgError } from '../../lib/errors';
import { ACCOUNT_KEY_FIELD, type SObjectRow } from '../records';
import type { RowResult, UsageSink } from '../sink';
import { bulkInsert, bulkUpsert } from './bulkIngest';
import { bulkQuery } from './bulkQuery';
import { BulkInterruptedError, type IngestRowResult } from './errors';
import { BulkHttp } from './http';
import { DEFAULT_RETRY, realTiming, withRetry, type PollPolicy, type RetryPolicy, type Timing } from './retry';

export interface SalesforceSinkOptions {
  /** a jsforce connection; give it a refreshFn and an expired session is refreshed once and the step re-sent */
  connection: Connection;
  /** the alias or username the user named: messages tell them how to log in to it again */
  orgName?: string;
  /** e.g. `org admin@acme.com` */
  label?: string;
  maxJobBytes?: number;
  queryPageSize?: number;
  retry?: RetryPolicy;
  /** rows a job did not write for a passing reason (a locked row, a Failed or Aborted job): sends in all, backoff */
  rowRetry?: RetryPolicy;
  poll?: PollPolicy;
  timing?: Timing;
  requestTimeoutMs?: number;
  /** progress of load(), and of upsert() when its caller gives none */
  onProgress?: (message: string) => void;
}

export interface SalesforceSink extends UsageSink {
  upsert(
    object: string,
    externalIdField: string,
    rows: readonly SObjectRow[],
    onProgress?: (message: string) => void
  ): Promise<IngestRowResult[]>;
  /** requests sent to the org so far, the policy query and the version check included */
  readonly apiRequests: number;
  /** the API version requests go to (see useApiVersion) */
  readonly apiVersion: string;
  /** a small REST query (e.g. the org's GTM_Policy__mdt records), all pages */
  queryAll(soql: string): Promise<Record<string, unknown>[]>;
  /** a Bulk API 2.0 query job, its rows handed over page by page as the org sends them (text; empty is null) */
  queryRows(soql: string, onPage: (header: readonly string[], rows: readonly string[][]) => void): Promise<number>;
  /**
   * Reads the versions the org serves (GET /services/data) and switches to the highest one not above `wanted`
   * (the project's sourceApiVersion): an org on an older release answers 404 under a version it does not know.
   */
  useApiVersion(wanted: string): Promise<ApiVersionChoice>;
}

export interface ApiVersionChoice {
  /** the version used */
  version: string;
  /** the project's */
  wanted: string;
  /** the highest the org serves */
  orgHighest: string;
}

/** Bulk API 2.0 query jobs need v47.0 (ingest jobs v41.0). */
export const MIN_API_VERSION = '47.0';

/**
 * Follow-up Tasks carry their trigger's key in CallObject (a standard text field of Task, 255 characters,
 * filterable, no new metadata and not on the standard layouts), prefixed so it is never taken for a call center's
 * own value. Before creating a Task the sync owes from an earlier run, it looks the key up: a Task created by a run
 * that could not record its Id on the trigger is found, not created twice.
 */
export const TASK_KEY_FIELD = 'CallObject';
export const TASK_KEY_PREFIX = 'gtm-exp-005:';
/** owed keys per lookup query: about 50 characters each keeps the SOQL far below its 100,000-character limit */
const TASK_LOOKUP_CHUNK = 500;

const versionNumber = (v: string) => Number(v);

/** Object and field names go into SOQL: only API-name characters, so nothing can be injected. */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

function checkNames(object: string, names: readonly string[]): void {
  for (const name of [object, ...names]) {
    if (!API_NAME.test(name)) throw new OrgError(`"${name}" is not a Salesforce API name`);
  }
}

const soqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Bulk query datetimes: `2026-03-02T09:15:00.000Z` (or `+0000`, as job info writes them). */
function dateTimeMs(text: string): number | undefined {
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}

export function createSalesforceSink(options: SalesforceSinkOptions): SalesforceSink {
  const { connection } = options;
  const orgName = options.orgName ?? connection.instanceUrl;
  const http = new BulkHttp(connection, options.requestTimeoutMs);
  const tuning = { retry: options.retry, rowRetry: options.rowRetry, poll: options.poll, timing: options.timing };
  const retryGet = <T>(fn: () => Promise<T>) =>
    withRetry(fn, options.retry ?? DEFAULT_RETRY, options.timing ?? realTiming);

  /** An expired session in the words (and with the login command) every org command uses, plus what is known. */
  const sessionWording = (err: unknown, action: string): Error => {
    if (err instanceof BulkInterruptedError && err.reason === 'session') {
      const base = orgFailure(action, orgName, err.cause);
      return new BulkInterruptedError(base.message, err.results, err.jobId, err.reason, {
        details: [...base.details, ...err.details],
        cause: err.cause
      });
    }
    if (err instanceof GtmError) return err;
    return orgFailure(action, orgName, err);
  };

  return {
    label: options.label ?? `org ${orgName}`,
    runsCrmTriggers: true,

    get apiRequests() {
      return http.requests;
    },

    get apiVersion() {
      return connection.version;
    },

    async useApiVersion(wanted) {
      let served: { version?: unknown }[];
      try {
        served = await retryGet(() =>
          http.json<{ version?: unknown }[]>({ method: 'GET', path: '/services/data' }, 'list the API versions')
        );
      } catch (err) {
        throw sessionWording(err, 'list the API versions');
      }
      const versions = (Array.isArray(served) ? served : [])
        .map((v) => String(v.version ?? ''))
        .filter((v) => /^\d+\.\d+$/.test(v))
        .sort((a, b) => versionNumber(a) - versionNumber(b));
      const orgHighest = versions[versions.length - 1];
      if (!orgHighest) throw new OrgError(`"${orgName}" listed no API versions at /services/data`);
      const both = versions.filter((v) => versionNumber(v) <= versionNumber(wanted));
      const version = both[both.length - 1];
      if (!version) {
        throw new OrgError(
          `"${orgName}" serves API versions ${versions[0]} to ${orgHighest}, none at or below the project's ${wanted}`
        );
      }
      if (versionNumber(version) < versionNumber(MIN_API_VERSION)) {
        throw new OrgError(
          `"${orgName}" serves API versions up to ${orgHighest}; the usage sync needs ${MIN_API_VERSION} or later (Bulk API 2.0 queries)`
        );
      }
      connection.version = version;
      return { version, wanted, orgHighest };
    },

    async queryAll(soql) {
      const records: Record<string, unknown>[] = [];
      type Page = { records?: Record<string, unknown>[]; done?: boolean; nextRecordsUrl?: string };
      try {
        let path = `query?q=${encodeURIComponent(soql)}`;
        for (let page = 1; ; page++) {
          const at = path;
          const answer = await retryGet(() =>
            http.json<Page>({ method: 'GET', path: at }, `read page ${page} of a query`)
          );
          records.push(...(answer.records ?? []));
          if (answer.done !== false || !answer.nextRecordsUrl || records.length >= 100_000) return records;
          path = answer.nextRecordsUrl;
        }
      } catch (err) {
        if (err instanceof GtmError) throw err;
        throw orgFailure('read the policy', orgName, err);
      }
    },

    queryRows(soql, onPage) {
      return bulkQuery(http, soql, onPage, {
        ...tuning,
        pageSize: options.queryPageSize,
        onProgress: options.onProgress
      });
    },

    async load(object, externalIdField, fields) {
      const columns = [...new Set([externalIdField, ...fields])];
      checkNames(object, columns);
      const stored = new Map<string, SObjectRow>();
      // where the key and each field sit in the answer (by name: the org may spell or order them its own way)
      let at: { key: number; fields: number[] } | undefined;
      try {
        await bulkQuery(
          http,
          `SELECT ${columns.join(', ')} FROM ${object}`,
          (header, rows) => {
            const find = (c: string) => {
              const i = header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
              if (i < 0) throw new OrgError(`the org's answer for ${object} has no column ${c}`);
              return i;
            };
            at ??= { key: find(externalIdField), fields: fields.map(find) };
            for (const values of rows) {
              const key = values[at.key] ?? '';
              if (key === '') continue; // a record without an external ID cannot be matched to a sync row
              const row: SObjectRow = {};
              // values stay text as the org sends them ("10", "0.5"); empty means null
              fields.forEach((f, i) => {
                const v = values[at?.fields[i] ?? -1] ?? '';
                row[f] = v === '' ? null : v;
              });
              stored.set(key, row);
            }
          },
          { ...tuning, pageSize: options.queryPageSize, onProgress: options.onProgress }
        );
      } catch (err) {
        if (err instanceof GtmError) throw err;
        throw orgFailure(`read ${object}`, orgName, err);
      }
      return stored;
    },

    async upsert(object, externalIdField, rows, onProgress) {
      checkNames(object, [externalIdField]);
      try {
        return await bulkUpsert(http, rows, {
          ...tuning,
          object,
          externalIdField,
          orgName: `"${orgName}"`,
          maxJobBytes: options.maxJobBytes,
          onProgress: onProgress ?? options.onProgress
        });
      } catch (err) {
        throw sessionWording(err, `upsert ${object}`);
      }
    },

    async loadOutcomes(opportunityTypes) {
      if (opportunityTypes.length === 0) return [];
      const outcomes: { accountKey: string; dateMs: number }[] = [];
      const soql =
        `SELECT Account.${ACCOUNT_KEY_FIELD}, CreatedDate FROM Opportunity ` +
        `WHERE Type IN (${opportunityTypes.map(soqlString).join(', ')})`;
      try {
        await bulkQuery(
          http,
          soql,
          (header, rows) => {
            const keyAt = header.findIndex((h) => h.toLowerCase() === `account.${ACCOUNT_KEY_FIELD}`.toLowerCase());
            const dateAt = header.findIndex((h) => h.toLowerCase() === 'createddate');
            for (const values of rows) {
              const accountKey = values[keyAt] ?? '';
              // an opportunity of an account the sync does not know cannot label a trigger
              if (accountKey === '') continue;
              const dateMs = dateTimeMs(values[dateAt] ?? '');
              if (dateMs === undefined) {
                throw new OrgError(`Opportunity CreatedDate "${values[dateAt] ?? ''}" is not a date and time`);
              }
              outcomes.push({ accountKey, dateMs });
            }
          },
          { ...tuning, pageSize: options.queryPageSize, onProgress: options.onProgress }
        );
      } catch (err) {
        if (err instanceof GtmError) throw err;
        throw orgFailure('read expansion Opportunities', orgName, err);
      }
      return outcomes;
    },

    async createFollowUpTasks(tasks) {
      if (tasks.length === 0) return [];
      // the Id and owner of every account with a usage key: one query job whatever the number of tasks
      const accounts = new Map<string, { id: string; owner: string }>();
      try {
        await bulkQuery(
          http,
          `SELECT Id, OwnerId, ${ACCOUNT_KEY_FIELD} FROM Account WHERE ${ACCOUNT_KEY_FIELD} != null`,
          (header, rows) => {
            const find = (c: string) => header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
            const [idAt, ownerAt, keyAt] = [find('Id'), find('OwnerId'), find(ACCOUNT_KEY_FIELD)];
            for (const v of rows) {
              accounts.set(v[keyAt] ?? '', { id: v[idAt] ?? '', owner: v[ownerAt] ?? '' });
            }
          },
          { ...tuning, pageSize: options.queryPageSize, onProgress: options.onProgress }
        );
      } catch (err) {
        if (err instanceof GtmError) throw err;
        throw orgFailure('read account owners', orgName, err);
      }
      // a Task an earlier run may have created (its Id never reached the trigger) is found by its key, not created
      // again; only those keys are looked up, so a run that owes nothing from before spends no call on it
      const existing = new Map<string, string>();
      const lookup = tasks.filter((t) => t.mayExist).map((t) => `${TASK_KEY_PREFIX}${t.key}`);
      for (let i = 0; i < lookup.length; i += TASK_LOOKUP_CHUNK) {
        const keys = lookup.slice(i, i + TASK_LOOKUP_CHUNK);
        try {
          await bulkQuery(
            http,
            `SELECT Id, ${TASK_KEY_FIELD} FROM Task WHERE ${TASK_KEY_FIELD} IN (${keys.map(soqlString).join(', ')})`,
            (header, rows) => {
              const find = (c: string) => header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
              const [idAt, keyAt] = [find('Id'), find(TASK_KEY_FIELD)];
              for (const v of rows) {
                const key = (v[keyAt] ?? '').slice(TASK_KEY_PREFIX.length);
                // two Tasks for one trigger (made before keys were looked up): the first one found is recorded
                if (!existing.has(key)) existing.set(key, v[idAt] ?? '');
              }
            },
            { ...tuning, pageSize: options.queryPageSize, onProgress: options.onProgress }
          );
        } catch (err) {
          if (err instanceof GtmError) throw err;
          throw orgFailure('look up follow-up Tasks created earlier', orgName, err);
        }
      }
      if (existing.size > 0) {
        options.onProgress?.(
          `Task: ${existing.size} follow-up Tasks created by an earlier run found by their trigger key`
        );
      }
      const results: RowResult[] = new Array<RowResult>(tasks.length);
      const send: { at: number; row: SObjectRow }[] = [];
      tasks.forEach((t, at) => {
        const found = existing.get(t.key);
        if (found) {
          results[at] = { key: t.key, ok: true, id: found, existing: true };
          return;
        }
        const account = accounts.get(t.accountKey);
        if (!account) {
          results[at] = { key: t.key, ok: false, error: `no Account with ${ACCOUNT_KEY_FIELD} = ${t.accountKey}` };
          return;
        }
        send.push({
          at,
          row: {
            Subject: t.subject,
            Description: t.description,
            ActivityDate: t.dueDate,
            WhatId: account.id,
            OwnerId: account.owner || null,
            // Status stays the org's default: Task status values differ between orgs ('Not Started' may not exist)
            [TASK_KEY_FIELD]: `${TASK_KEY_PREFIX}${t.key}`
          }
        });
      });
      const taskOptions = {
        ...tuning,
        object: 'Task',
        orgName: `"${orgName}"`,
        maxJobBytes: options.maxJobBytes,
        onProgress: options.onProgress
      };
      const place = (sent: readonly (RowResult | undefined)[]) =>
        sent.forEach((r, i) => {
          const at = send[i]?.at;
          if (r && at !== undefined)
            results[at] = {
              key: r.key,
              ok: r.ok,
              ...(r.error ? { error: r.error } : {}),
              ...(r.id ? { id: r.id } : {})
            };
        });
      try {
        place(
          await bulkInsert(
            http,
            send.map((s) => s.row),
            send.map((s) => tasks[s.at]?.key ?? ''),
            taskOptions
          )
        );
      } catch (err) {
        if (!(err instanceof BulkInterruptedError)) throw sessionWording(err, 'create follow-up Tasks');
        // the interruption's results in task order (those not sent are settled already)
        place(err.results);
        const inTaskOrder = tasks.map((_, i) => results[i]);
        const details = err.details.map((d) =>
          d.startsWith('rows without a confirmed outcome')
            ? 'Tasks without a confirmed outcome may have been created: the next sync finds them by their trigger key before creating any'
            : d
        );
        throw sessionWording(
          new BulkInterruptedError(err.message, inTaskOrder, err.jobId, err.reason, {
            details,
            cause: err.cause
          }),
          'create follow-up Tasks'
        );
      }
      return Array.from(
        results,
        (r, i) => r ?? { key: tasks[i]?.key ?? '', ok: false, error: 'no outcome (internal error)' }
      );
    },

    async close() {
      // nothing held open: every request is its own HTTP exchange
    }
  };
}

/**
 * A sink over an org the Salesforce CLI is logged in to (`npx sf org login web --alias X`): its stored auth,
 * never a password or token of ours. The session is refreshed through the CLI's auth when it expires mid-run.
 */
export async function connectSalesforceSink(
  aliasOrUsername: string,
  apiVersion: string,
  options: Omit<SalesforceSinkOptions, 'connection' | 'orgName' | 'label'> = {}
): Promise<SalesforceSink> {
  let org: Org;
  try {
    org = await Org.create({ aliasOrUsername });
  } catch (err) {
    throw orgFailure('connect', aliasOrUsername, err);
  }
  const cli = org.getConnection(apiVersion);
  // a plain jsforce connection on the CLI's session: the Bulk driver needs jsforce's request layer, and the CLI's
  // connection (@jsforce/jsforce-node) refreshes the token when this one reports it expired
  const connection = new Connection({
    instanceUrl: cli.instanceUrl,
    accessToken: cli.accessToken ?? undefined,
    version: apiVersion,
    refreshFn: (_conn, callback) => {
      cli.refreshAuth().then(
        () => callback(null, cli.accessToken ?? undefined),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)))
      );
    }
  });
  return createSalesforceSink({
    ...options,
    connection,
    orgName: aliasOrUsername,
    label: `org ${org.getUsername() ?? aliasOrUsername}`
  });
}
