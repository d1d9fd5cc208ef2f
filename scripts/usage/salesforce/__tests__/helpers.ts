/**
 * Shared set-up for the Salesforce sink tests: the Bulk API 2.0 double with a few Accounts, a real jsforce 3.10.16
 * Connection pointed at it, fast retry and poll policies, generated snapshot rows, and the checks every test makes
 * (results add up; what the double stores is exactly the rows reported written).
 */
import { Connection } from 'jsforce';
import {
  startBulkDouble,
  type BulkDouble,
  type BulkDoubleOptions
} from '../../../test-support/bulkDouble/bulkApiDouble';
import type { WeekUsage } from '../../aggregate';
import { loadSchema } from '../../../metadata/schema';
import { SYNC_RUN_OBJECT } from '../../../cockpit/syncRuns';
import {
  ACCOUNT_KEY_FIELD,
  SNAPSHOT_FIELDS,
  SNAPSHOT_OBJECT,
  snapshotRow,
  TRIGGER_OBJECT,
  type SObjectRow
} from '../../records';
import type { RowResult } from '../../sink';
import { cellText } from '../csv';
import type { PollPolicy, RetryPolicy } from '../retry';
import {
  createSalesforceSink,
  TASK_KEY_FIELD,
  type SalesforceSink,
  type SalesforceSinkOptions
} from '../salesforceSink';

export const VERSION = '65.0';
export const ORG = 'test-org';
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 4 };
/** rows not written for a passing reason: 3 sends in all, as by default, with waits of a few milliseconds */
export const FAST_ROW_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 };
export const FAST_POLL: PollPolicy = { initialDelayMs: 1, maxDelayMs: 4, factor: 2, maxWaitMs: 10_000, maxPolls: 30 };
/** A week index in 2026 (the value does not matter, only that weeks differ). */
const FIRST_WEEK = 2930;

export interface TestOrg {
  double: BulkDouble;
  connection: Connection;
  /** Account Id by usage key */
  accountIds: Map<string, string>;
}

/** Master-detail to Account through its usage key, as force-app defines it. */
export const RELATIONSHIPS: BulkDoubleOptions['relationships'] = {
  Usage_Snapshot__c: { Account__r: { parent: 'Account', field: 'Account__c', required: true } },
  Expansion_Trigger__c: { Account__r: { parent: 'Account', field: 'Account__c', required: true } }
};

export async function startOrg(
  options: BulkDoubleOptions = {},
  accountKeys: readonly string[] = ['ACME', 'GLOBEX', 'INITECH']
): Promise<TestOrg> {
  const double = await startBulkDouble({ relationships: RELATIONSHIPS, ...options });
  const seeded = double.seed(
    'Account',
    accountKeys.map((k) => ({ Name: k, [ACCOUNT_KEY_FIELD]: k }))
  );
  const accountIds = new Map(seeded.map((a) => [String(a[ACCOUNT_KEY_FIELD]), a.Id]));
  return { double, connection: connect(double), accountIds };
}

export function connect(double: BulkDouble, extra: Record<string, unknown> = {}): Connection {
  return new Connection({ instanceUrl: double.url, accessToken: double.accessToken, version: VERSION, ...extra });
}

export function sinkFor(connection: Connection, extra: Partial<SalesforceSinkOptions> = {}): SalesforceSink {
  return createSalesforceSink({
    connection,
    orgName: ORG,
    retry: FAST_RETRY,
    rowRetry: FAST_ROW_RETRY,
    poll: FAST_POLL,
    ...extra
  });
}

/** `count` snapshot rows as the sync builds them, spread over the accounts, week after week; `bump` changes counts. */
export function snapshots(count: number, accountKeys: readonly string[], bump = 0): SObjectRow[] {
  const rows: SObjectRow[] = [];
  for (let i = 0; i < count; i++) {
    const aiResolved = 40 + (i % 30);
    const humanResolved = 50 + (i % 20) + bump;
    const w: WeekUsage = {
      accountKey: accountKeys[i % accountKeys.length] as string,
      weekIndex: FIRST_WEEK + Math.floor(i / accountKeys.length),
      ticketsTotal: aiResolved + humanResolved + 10,
      aiResolved,
      humanResolved,
      unresolved: 10
    };
    rows.push(snapshotRow(w));
  }
  return rows;
}

/** Field API names per object, as force-app defines them (plus the standard ones the sync and double use). */
export function forceAppFields(): Record<string, string[]> {
  const schema = loadSchema();
  const fields = (object: string, extra: string[]) => [...schema.object(object).fields.keys(), ...extra];
  return {
    [SNAPSHOT_OBJECT]: fields(SNAPSHOT_OBJECT, ['Name']),
    [TRIGGER_OBJECT]: fields(TRIGGER_OBJECT, ['Name']),
    Account: fields('Account', ['Name', 'OwnerId']),
    // a run that changed something keeps one row for the rollout audit (cockpit/syncRuns.ts)
    [SYNC_RUN_OBJECT]: fields(SYNC_RUN_OBJECT, ['Name']),
    // the standard fields the sync writes to a follow-up Task (Task has no force-app metadata)
    Task: ['Subject', 'Description', 'ActivityDate', 'WhatId', 'OwnerId', 'Status', TASK_KEY_FIELD]
  };
}

export const keyOf = (row: SObjectRow) => String(row[SNAPSHOT_FIELDS.key]);

/**
 * The accounting every test makes: one result per input row, in order, each ok or failed with a reason; and the
 * double stores exactly the ok rows (by key, with the values sent and the Account resolved), plus `alsoStored`.
 */
export function expectAccounted(
  org: TestOrg,
  object: string,
  keyField: string,
  rows: readonly SObjectRow[],
  results: readonly RowResult[],
  alsoStored: readonly string[] = []
): { ok: number; failed: number } {
  expect(results).toHaveLength(rows.length);
  results.forEach((r, i) => {
    expect(r.key).toBe(cellText(rows[i]?.[keyField]));
    if (!r.ok) expect(r.error).toMatch(/\S/);
  });
  const ok = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok).length;
  expect(ok + failed).toBe(rows.length);

  const stored = new Map(org.double.records(object).map((r) => [String(r[keyField]), r]));
  const okKeys = new Set(results.filter((r) => r.ok).map((r) => r.key));
  expect(new Set(stored.keys())).toEqual(new Set([...okKeys, ...alsoStored]));
  rows.forEach((row, i) => {
    if (!results[i]?.ok) return;
    const record: Record<string, unknown> = stored.get(cellText(row[keyField])) ?? {};
    for (const [field, value] of Object.entries(row)) {
      if (field.includes('.')) {
        expect(record.Account__c).toBe(org.accountIds.get(String(value)));
      } else if (value !== null && value !== '') {
        expect(String(record[field])).toBe(cellText(value));
      }
    }
  });
  return { ok, failed };
}

/** Calls per kind, for readable expectations: `{ 'ingest.create': 1, ... }`. */
export function callsByKind(double: BulkDouble): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of double.calls) out[c.kind] = (out[c.kind] ?? 0) + 1;
  return out;
}

/** The calls of one clean ingest job: create, upload, close, two polls (the double answers InProgress once), one read. */
export const CLEAN_JOB = {
  'ingest.create': 1,
  'ingest.upload': 1,
  'ingest.close': 1,
  'ingest.info': 2,
  'ingest.successfulResults': 1
};
