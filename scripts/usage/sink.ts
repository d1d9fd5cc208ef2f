/**
 * Where a usage sync writes: one interface, two implementations (the local store and a Salesforce org through
 * Bulk API 2.0). Everything above it is the same code in both modes.
 */
import type { SObjectRow } from './records';

export interface RowResult {
  key: string;
  ok: boolean;
  error?: string;
  /** the record's Id, when the sink knows it (always for created Tasks) */
  id?: string;
  /** a follow-up Task found (created by an earlier run), not created now */
  existing?: boolean;
}

export interface UsageSink {
  /** for messages: "local store .gtm/store.duckdb" or "org admin@acme.com" */
  readonly label: string;
  /**
   * the local store with --create-accounts: a row naming an account the sink has no Account for adds that
   * Account instead of failing (an org never does)
   */
  readonly createsMissingAccounts?: boolean;
  /**
   * an org: its Apex triggers publish the CRM's funnel events (GtmFunnelEventPublisher) on what is written; the
   * local store runs none, so the command that writes the records writes their events (events/crmEvent.ts)
   */
  readonly runsCrmTriggers?: boolean;
  /** stored rows of an object, by external ID, with the given fields */
  load(object: string, externalIdField: string, fields: readonly string[]): Promise<Map<string, SObjectRow>>;
  /** upsert by external ID; one result per row, in order; never throws for a row-level failure */
  upsert(
    object: string,
    externalIdField: string,
    rows: readonly SObjectRow[],
    onProgress?: (message: string) => void
  ): Promise<RowResult[]>;
  /** expansion outcomes: opportunities of the given types, by account usage key and creation time */
  loadOutcomes(opportunityTypes: readonly string[]): Promise<{ accountKey: string; dateMs: number }[]>;
  /** live mode: one follow-up Task per trigger for the account's owner; one result per task */
  createFollowUpTasks(tasks: readonly FollowUpTask[]): Promise<RowResult[]>;
  close(): Promise<void>;
  /**
   * Optional, for a sink whose rows are where DuckDB SQL runs (the local store): stored rows of an object, like
   * load(), less those matched by a row of `rows` (a DuckDB SELECT with one column per field, relationship
   * columns such as Account__r.X included) on every `matchOn` field.
   */
  loadExcept?(
    object: string,
    externalIdField: string,
    fields: readonly string[],
    rows: string,
    matchOn: readonly string[]
  ): Promise<Map<string, SObjectRow>>;
  /**
   * Optional, with loadExcept: the stored rows whose numeric `field` is greater than the same key's in `rows` (a
   * DuckDB SELECT), at most `limit` of them with the count of all: what a sync would lower.
   */
  loadLowered?(
    object: string,
    externalIdField: string,
    field: string,
    rows: string,
    limit: number
  ): Promise<{ count: number; rows: { key: string; stored: number; incoming: number }[] }>;
  /**
   * Optional, with loadExcept: upsert() of the rows of a DuckDB SELECT, run where the rows are stored. A row
   * whose `compared` fields all hold the stored values is unchanged and not written; the others are upserted
   * (only counted when dryRun), each written or failed with a reason.
   */
  upsertQuery?(
    object: string,
    externalIdField: string,
    rows: string,
    compared: readonly string[],
    options: {
      dryRun: boolean;
      onProgress?: (message: string) => void;
      /** the caller vouches that no key is in two rows (the sink then does not look for repeats) */
      keysUnique?: boolean;
    }
  ): Promise<QueryWriteCounts>;
}

/**
 * A sink opened only once the export has been read and judged (the local store): a run refused before that
 * leaves no store file behind.
 */
export interface DeferredSink {
  readonly label: string;
  /** whether the sink, once open, has loadExcept and upsertQuery */
  readonly queries: boolean;
  open(): Promise<UsageSink>;
}

export interface QueryWriteCounts {
  unchanged: number;
  written: number;
  /** a dry run: the rows that would have been written (new or changed) */
  wouldWrite?: number;
  failures: { key: string; error: string }[];
}

export interface FollowUpTask {
  /** the trigger's external ID, for results */
  key: string;
  accountKey: string;
  subject: string;
  description: string;
  /** YYYY-MM-DD */
  dueDate: string;
  /** an earlier run may have created this Task (its trigger was stored before this run): look it up first */
  mayExist?: boolean;
}
