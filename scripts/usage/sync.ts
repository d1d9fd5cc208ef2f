/**
 * `gtm usage sync`: ticket export -> weekly snapshots -> exp-005 triggers -> a sink. Nothing is written until
 * the whole input has been read and judged; every input row, snapshot and trigger is accounted for in the
 * summary (written, unchanged, failed with a reason, rejected with a line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFsError, GtmError, InputError } from '../lib/errors';
import { plural } from '../lib/text';
import { trace } from '../lib/trace';
import { makeDirs, probeWritableDir } from '../lib/writableDir';
import type { Policy } from '../policy/policy';
import { aggregateExport, AggregateResult, detectFormat, Reject, WeekUsage } from './aggregate';
import { fingerprint, readCached, stagingWeeksFile, writeCached, writeCachedWeeks } from './aggregateCache';
import { toCsvLine } from './csvRecords';
import type { Encoding, ReadEncoding } from './encoding';
import { isWeekComplete, weekIndexOfLabel } from './isoWeek';
import {
  ACCOUNT_KEY_FIELD,
  ACCOUNT_RELATIONSHIP,
  roundShare,
  SNAPSHOT_FIELDS,
  SNAPSHOT_OBJECT,
  snapshotRow,
  snapshotRowsSql,
  SObjectRow,
  TRIGGER_FIELDS,
  TRIGGER_OBJECT,
  TRIGGER_SYNC_OWNED,
  FOLLOW_UP_TASK_FIELD,
  OUTCOME_FIELDS,
  triggerRow,
  TriggerStatus
} from './records';
import { liveModeReport } from './backtestRun';
import { recordSyncRun, ticketExportRun } from '../cockpit/syncRuns';
import { writeCrmEvents } from '../events/crmEvent';
import type { DeferredSink, FollowUpTask, QueryWriteCounts, RowResult, UsageSink } from './sink';
import { evaluateAccount, FiredTrigger, thresholdsFromPolicy, WeekCounts } from './triggerRules';

export interface SyncOptions {
  input: string;
  asOfMs: number;
  dryRun: boolean;
  /** share of rejected rows above which nothing is written */
  maxRejectRate: number;
  exportDir?: string;
  /** start live mode although the backtest has not cleared it: the reason is recorded in the summary */
  forceLive?: string;
  /** where aggregates of already-read exports are kept; undefined = no cache */
  cacheDir?: string;
  /** --encoding: what the export's bytes are (default UTF-8, or UTF-16 by its byte order mark) */
  encoding?: Encoding;
}

/** how many lowered weeks a summary names */
const LOWERED_SHOWN = 5;
/** how many missing account_ids a summary names */
const MISSING_SHOWN = 5;

export interface WriteCounts {
  written: number;
  unchanged: number;
  failed: number;
  /** a dry run only: the rows a real run would write (new or changed) */
  would_write?: number;
  /** a dry run only: of those, the rows a real run would fail (their account has no Account) */
  would_fail?: number;
}

/** account_ids of the export that no Account has, found before a dry run or a run that creates them */
export interface MissingAccounts {
  count: number;
  /** the first few, sorted */
  keys: string[];
  /** what a real run does with them: adds an Account (local store, --create-accounts), or fails their rows */
  action: 'create' | 'fail';
}

export interface SyncSummary {
  input: string;
  format: AggregateResult['format'];
  /** what the export's text was read as */
  encoding: ReadEncoding;
  sink: string;
  /** the policy the run judged by: its file (or org) and version */
  policy: string;
  dry_run: boolean;
  as_of: string;
  mode: string;
  rows_read: number;
  rejected: number;
  duplicates: number;
  tickets: number;
  snapshots: number;
  triggers: number;
  written: number;
  unchanged: number;
  /** a dry run only: snapshots and triggers a real run would write */
  would_write?: number;
  /**
   * stored weeks this export gives fewer tickets than the store held: it replaces them, which is right for a
   * corrected export and wrong for a partial one (incremental, one channel); said, never silent
   */
  lowered_weeks: number;
  /**
   * snapshots (account x week) of this export whose week has not ended as of --as-of: stored, but no trigger
   * counts them yet
   */
  weeks_not_complete: number;
  /** account_ids no Account has: looked up for a dry run, and for a run that adds them (--create-accounts) */
  missing_accounts?: MissingAccounts;
  /** a run with --create-accounts: the Accounts it added */
  accounts_created?: number;
  failed: number;
  snapshot_writes: WriteCounts;
  trigger_writes: WriteCounts;
  /**
   * live mode: Tasks created now, found (created by an earlier run that could not record them on their trigger),
   * failed, and Task Ids that could not be recorded on their trigger; every failure also counts in `failed`
   */
  follow_up_tasks: { created: number; found: number; failed: number; ids_not_recorded: number };
  live_override?: { reason: string; backtest: string };
}

export interface SyncResult {
  summary: SyncSummary;
  /** the first few of summary.lowered_weeks: snapshot key, tickets stored before, tickets in this export */
  lowered: { key: string; stored: number; incoming: number }[];
  rejects: Reject[];
  snapshots: SObjectRow[];
  triggers: { accountKey: string; fired: FiredTrigger; row: SObjectRow }[];
  failures: { object: string; key: string; error: string }[];
}

const SNAPSHOT_COMPARED = [
  SNAPSHOT_FIELDS.ticketsTotal,
  SNAPSHOT_FIELDS.aiResolved,
  SNAPSHOT_FIELDS.humanResolved,
  SNAPSHOT_FIELDS.unresolved,
  SNAPSHOT_FIELDS.account,
  SNAPSHOT_FIELDS.weekStart
];

/**
 * Whether every compared field holds the very same value (the common case on a re-run), as one expression per
 * field: far cheaper over a few hundred thousand rows than a loop over field names.
 */
const identical = new Function(
  'a',
  'b',
  `return ${SNAPSHOT_COMPARED.map((f) => `a[${JSON.stringify(f)}] === b[${JSON.stringify(f)}]`).join(' && ')};`
) as (a: SObjectRow, b: SObjectRow) => boolean;

/** weeks worked through between two turns of the event loop while a sink writes on its own threads */
const YIELD_EVERY = 1_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const same = (a: unknown, b: unknown) =>
  (a ?? '') === (b ?? '') ||
  (a !== null && b !== null && a !== '' && Number(a) === Number(b) && !Number.isNaN(Number(a)));

function rejectRateError(agg: AggregateResult, max: number, input: string): InputError {
  const byReason = new Map<string, number>();
  for (const r of agg.rejects) {
    // group by the kind of problem: drop the values that differ from row to row (ids and instants first, as they
    // may hold colons), then the parenthesis (the accepted instant forms in it hold colons too: cutting at the first
    // colon left "... (2026-03-02T10"), then what follows a colon ("malformed CSV: ...")
    const kind = r.reason
      .replace(/^ticket_id \S+ (?=appears|has)/, 'ticket_id ')
      .replace(/^(created_at|resolved_at) "(?:[^"\\]|\\.)*" /, '$1 ')
      .replace(/ \(.*\)$/, '')
      .replace(/:.*$/, '');
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  const pct = (n: number) => `${((100 * n) / agg.rowsRead).toFixed(2)}%`;
  return new InputError(
    `${input}: ${agg.rejects.length} of ${agg.rowsRead} rows (${pct(agg.rejects.length)}) were rejected, above --max-reject-rate ${max * 100}%; nothing was written`,
    {
      details: [
        ...[...byReason].map(([reason, n]) => `${n} x ${reason}`),
        ...agg.rejects.slice(0, 5).map((r) => `line ${r.line}: ${r.reason}`),
        'fix the export, or raise --max-reject-rate if these rows are expected'
      ]
    }
  );
}

/** The history each account's triggers are judged on: stored weeks, replaced by this input's weeks. */
function historyByAccount(
  stored: Map<string, SObjectRow>,
  fresh: readonly WeekUsage[]
): Map<string, Map<number, WeekCounts>> {
  const history = new Map<string, Map<number, WeekCounts>>();
  // many rows share a week: each label is parsed once
  const weekIndexes = new Map<string, number | undefined>();
  const weekIndexOf = (label: string) => {
    if (!weekIndexes.has(label)) weekIndexes.set(label, weekIndexOfLabel(label));
    return weekIndexes.get(label);
  };
  const put = (account: string, weekIndex: number, ticketsTotal: number, aiResolved: number) => {
    let weeks = history.get(account);
    if (!weeks) history.set(account, (weeks = new Map<number, WeekCounts>()));
    weeks.set(weekIndex, { weekIndex, ticketsTotal, aiResolved });
  };
  for (const row of stored.values()) {
    const account = String(row[ACCOUNT_RELATIONSHIP] ?? '');
    const weekIndex = weekIndexOf(String(row[SNAPSHOT_FIELDS.isoWeek] ?? ''));
    if (account && weekIndex !== undefined)
      put(account, weekIndex, Number(row[SNAPSHOT_FIELDS.ticketsTotal]), Number(row[SNAPSHOT_FIELDS.aiResolved]));
  }
  for (const w of fresh) if (w.accountKey) put(w.accountKey, w.weekIndex, w.ticketsTotal, w.aiResolved);
  return history;
}

/** the start of the failure of a Task Id that could not be written to its trigger */
const NOT_RECORDED = 'Task created but not recorded on the trigger: ';

/** The account_ids of `keys` no Account in the sink has, sorted. */
async function accountsNotIn(sink: UsageSink, keys: Iterable<string>): Promise<string[]> {
  const stored = await sink.load('Account', ACCOUNT_KEY_FIELD, [ACCOUNT_KEY_FIELD]);
  return [...new Set(keys)].filter((k) => k && !stored.has(k)).sort();
}

function counts(results: RowResult[], unchanged: number): WriteCounts {
  const failed = results.filter((r) => !r.ok).length;
  return { written: results.length - failed, unchanged, failed };
}

/**
 * Reads and judges the export, then writes to the sink. Every check that can refuse the run (the export files
 * can be written, the input can be read, the share of rejected rows) comes before the first write; a deferred
 * sink (the local store) is opened only then, so a refused run leaves no store file behind, and neither a
 * refused run nor a dry run leaves a cache entry.
 */
export async function runUsageSync(
  options: SyncOptions,
  policy: Policy,
  target: UsageSink | DeferredSink,
  progress: (message: string) => void = () => {}
): Promise<SyncResult> {
  if (options.exportDir && !options.dryRun) checkExportDir(options.exportDir);
  detectFormat(options.input, options.encoding); // an unreadable or non-CSV input stops here, with its own message
  // a sink that runs SQL where it stores rows reads the snapshots from a file of the weeks, not from JavaScript
  const queries = 'open' in target ? target.queries : Boolean(target.loadExcept && target.upsertQuery);
  const key = options.cacheDir ? fingerprint(options.input, options.encoding ?? '') : undefined;
  const cached = key ? await readCached(options.cacheDir!, key) : undefined;
  // a dry run reads the cache but adds nothing to it
  const keep = key && !options.dryRun ? key : undefined;
  let agg: AggregateResult;
  let weeksFile: string | undefined;
  /** a folder to remove at the end: the weeks file when it is not (or could not be) kept in the cache */
  let scratch: string | undefined;
  if (cached) {
    progress(`${options.input} was read before (same size, time and content at both ends): using that result`);
    agg = cached.result;
    weeksFile = cached.weeksFile;
    checkRejectRate(agg, options);
  } else {
    const made = keep ? foldersToMake(options.cacheDir!) : [];
    weeksFile = keep ? stagingWeeksFile(options.cacheDir!, keep) : undefined;
    if (!weeksFile && queries)
      weeksFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-weeks-')), 'weeks.parquet');
    const staged = weeksFile;
    try {
      agg = await aggregateExport(
        options.input,
        (n) => progress(`reading ${options.input}: ${n.toLocaleString('en-US')} rows`),
        { weeksFile, encoding: options.encoding }
      );
      checkRejectRate(agg, options);
    } catch (err) {
      if (staged) fs.rmSync(path.dirname(staged), { recursive: true, force: true });
      removeEmptyFolders(made); // the cache folders this run made, unless another run put something there
      throw err;
    }
    if (keep && weeksFile) weeksFile = writeCached(options.cacheDir!, keep, agg, weeksFile);
    if (weeksFile === staged && staged) scratch = path.dirname(staged);
  }
  // the cache entry is completed while the sink writes, or at the end (it is read only once complete)
  const result = agg;
  let complete = keep && !cached ? () => writeCachedWeeks(options.cacheDir!, keep, result.weeks) : undefined;
  const completeCache = () => {
    complete?.();
    complete = undefined;
  };
  try {
    const sink = 'open' in target ? await target.open() : target;
    return await syncAggregate(options, policy, sink, progress, agg, queries ? weeksFile : undefined, completeCache);
  } finally {
    completeCache();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The folders mkdir -p would make for `dir`, deepest first. */
function foldersToMake(dir: string): string[] {
  const made: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) made.push(d);
  return made;
}

function removeEmptyFolders(folders: readonly string[]): void {
  for (const d of folders) {
    try {
      fs.rmdirSync(d); // only an empty folder
    } catch {
      return;
    }
  }
}

function checkRejectRate(agg: AggregateResult, options: SyncOptions): void {
  if (agg.rowsRead > 0 && agg.rejects.length / agg.rowsRead > options.maxRejectRate)
    throw rejectRateError(agg, options.maxRejectRate, options.input);
}

async function syncAggregate(
  options: SyncOptions,
  policy: Policy,
  sink: UsageSink,
  progress: (message: string) => void,
  aggregate: AggregateResult,
  weeksFile: string | undefined,
  whileWriting: () => void = () => {}
): Promise<SyncResult> {
  let agg = aggregate;
  if (agg.rowsRead > 0 && agg.rejects.length / agg.rowsRead > options.maxRejectRate) {
    throw rejectRateError(agg, options.maxRejectRate, options.input);
  }

  const weeks = agg.weeks;
  // the same rows as SQL over the weeks file, for a sink that compares and writes them where it stores them
  const rowsSql = weeksFile ? snapshotRowsSql(weeksFile, weeks) : undefined;
  // the result keeps only the snapshot rows made of the weekly counts below
  agg = { ...agg, weeks: [] };

  progress(`reading stored snapshots and triggers from the ${sink.label} ...`);
  const storedFields = [...SNAPSHOT_COMPARED, SNAPSHOT_FIELDS.isoWeek];
  // for the history only the stored weeks this input does not replace matter (see historyByAccount)
  const storedSnapshots = rowsSql
    ? await sink.loadExcept!(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, storedFields, rowsSql, [
        SNAPSHOT_FIELDS.account,
        SNAPSHOT_FIELDS.isoWeek
      ])
    : await sink.load(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, storedFields);
  const storedTriggers = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [
    TRIGGER_FIELDS.account,
    TRIGGER_FIELDS.isoWeek
  ]);

  trace('sync: stored snapshots and triggers read');
  // weeks the export lowers, read before the snapshot write starts (the row path finds them as it compares)
  const lowered = rowsSql
    ? ((await sink.loadLowered?.(
        SNAPSHOT_OBJECT,
        SNAPSHOT_FIELDS.key,
        SNAPSHOT_FIELDS.ticketsTotal,
        rowsSql,
        LOWERED_SHOWN
      )) ?? {
        count: 0,
        rows: []
      })
    : { count: 0, rows: [] as SyncResult['lowered'] };
  // exp-005 over the whole history, as of --as-of; fires stored by earlier syncs hold their cooldown
  const thresholds = thresholdsFromPolicy(policy);
  const mode = policy.text('Expansion_Mode');
  let liveOverride: SyncSummary['live_override'];
  if (mode === 'live') {
    const gate = await liveModeReport(sink, policy, options.asOfMs);
    if (!gate.met && !options.forceLive) {
      throw new GtmError(`live mode refused: ${gate.verdict}; nothing was written`, {
        details: [
          'label the shadow triggers first: npx gtm usage backtest [--outcomes outcomes.csv]',
          'or override with --force-live "<reason>" (the reason is recorded in the summary)'
        ]
      });
    }
    if (!gate.met) liveOverride = { reason: options.forceLive!, backtest: gate.verdict };
  }

  // A sink that writes in SQL compares and writes the snapshots on its own threads while the triggers are
  // worked out here (nothing below depends on what it writes; the triggers are written after it). The work here
  // gives the event loop a turn every YIELD_EVERY weeks, so the sink can start each of its statements promptly.
  let snapshotQuery: Promise<QueryWriteCounts> | undefined;
  const exporting = Boolean(options.exportDir && !options.dryRun);
  // the export says which snapshots this run wrote: with SQL writes, by comparing with what was stored before
  const storedBefore =
    exporting && rowsSql ? await sink.load(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, SNAPSHOT_COMPARED) : undefined;
  if (rowsSql) {
    progress(`${options.dryRun ? 'comparing' : 'writing'} snapshots in the ${sink.label} ...`);
    snapshotQuery = sink.upsertQuery!(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, rowsSql, SNAPSHOT_COMPARED, {
      dryRun: options.dryRun,
      onProgress: progress,
      // one row per account and week, and the key is the account and the week's fixed-width label
      keysUnique: true
    });
    snapshotQuery.catch(() => undefined); // awaited below
  }

  // with a sink that writes in SQL the rows are made only when asked for (the export files, a caller): half a
  // million objects otherwise made here while the sink is writing
  let snapshots: SObjectRow[] | undefined;
  const snapshotRows = () => (snapshots ??= weeks.map(snapshotRow));
  const changed: SObjectRow[] = [];
  const triggers: SyncResult['triggers'] = [];
  const status: TriggerStatus = mode === 'live' ? 'Open' : 'Shadow';
  try {
    if (!rowsSql) {
      snapshots = [];
      for (let i = 0; i < weeks.length; i++) {
        snapshots.push(snapshotRow(weeks[i]!));
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
      }
      for (const row of snapshots) {
        const old = storedSnapshots.get(row[SNAPSHOT_FIELDS.key] as string);
        const [before, now] = [Number(old?.[SNAPSHOT_FIELDS.ticketsTotal]), Number(row[SNAPSHOT_FIELDS.ticketsTotal])];
        if (old && before > now) {
          lowered.count++;
          if (lowered.rows.length < LOWERED_SHOWN)
            lowered.rows.push({ key: row[SNAPSHOT_FIELDS.key] as string, stored: before, incoming: now });
        }
        if (!old || (!identical(old, row) && SNAPSHOT_COMPARED.some((f) => !same(old[f], row[f])))) changed.push(row);
      }
    }

    trace('sync: snapshot rows made');
    const priorFires = new Map<string, number[]>();
    for (const t of storedTriggers.values()) {
      const account = String(t[TRIGGER_FIELDS.account] ?? '');
      const week = weekIndexOfLabel(String(t[TRIGGER_FIELDS.isoWeek] ?? ''));
      if (account && week !== undefined) priorFires.set(account, (priorFires.get(account) ?? []).concat(week));
    }
    let evaluated = 0;
    for (const [accountKey, history] of historyByAccount(storedSnapshots, weeks)) {
      for (const fired of evaluateAccount(
        [...history.values()],
        thresholds,
        options.asOfMs,
        priorFires.get(accountKey)
      )) {
        triggers.push({ accountKey, fired, row: triggerRow(accountKey, fired, status, thresholds) });
      }
      evaluated += history.size;
      if (evaluated >= YIELD_EVERY) {
        evaluated = 0;
        await nextTurn();
      }
    }
  } catch (err) {
    // the sink may still be writing: let it finish (or fail) before the caller closes it or removes its input
    await snapshotQuery?.catch(() => undefined);
    throw err;
  }
  trace('sync: snapshot rows made and triggers evaluated');
  whileWriting();

  // A dry run says what a real run would do with account_ids no Account has (fail their rows, or add them with
  // --create-accounts), and a run that adds them counts what it added: both look the accounts up first.
  const missing =
    options.dryRun || sink.createsMissingAccounts
      ? await accountsNotIn(
          sink,
          weeks.map((w) => w.accountKey)
        )
      : [];
  const missingSet = new Set(missing);
  const missingAccounts: MissingAccounts | undefined = missing.length
    ? {
        count: missing.length,
        keys: missing.slice(0, MISSING_SHOWN),
        action: sink.createsMissingAccounts ? 'create' : 'fail'
      }
    : undefined;
  const failing = missingAccounts?.action === 'fail' && options.dryRun;
  const snapshotsFailing = failing ? weeks.filter((w) => missingSet.has(w.accountKey)).length : 0;
  const triggersFailing = failing ? triggers.filter((t) => missingSet.has(t.accountKey)).length : 0;

  const failures: SyncResult['failures'] = [];
  let snapshotResults: RowResult[] = [];
  let triggerResults: RowResult[] = [];
  let taskResults: RowResult[] = [];
  let snapshotWrites: WriteCounts | undefined;
  let snapshotFailures: SyncResult['failures'] = [];
  if (snapshotQuery) {
    const r = await snapshotQuery;
    snapshotWrites = {
      written: r.written,
      unchanged: r.unchanged,
      failed: r.failures.length,
      ...(options.dryRun ? { would_write: r.wouldWrite ?? 0 } : {})
    };
    // in the order of the snapshots, as the row path reports them
    const order = r.failures.length
      ? new Map(snapshotRows().map((row, i) => [row[SNAPSHOT_FIELDS.key] as string, i]))
      : new Map<string, number>();
    snapshotFailures = r.failures
      .map((f) => ({ object: SNAPSHOT_OBJECT, key: f.key, error: f.error }))
      .sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  }
  if (!options.dryRun) {
    if (!rowsSql) {
      progress(`writing ${plural(changed.length, 'changed snapshot')} to the ${sink.label} ...`);
      snapshotResults = await sink.upsert(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, changed, progress);
    }
    // a new trigger carries its status; the sync never overwrites a decision a person made on an existing one
    const triggerRows = triggers.map((t) =>
      storedTriggers.has(String(t.row[TRIGGER_FIELDS.key]))
        ? Object.fromEntries(TRIGGER_SYNC_OWNED.map((f) => [f, t.row[f] ?? null]))
        : t.row
    );
    progress(`writing ${plural(triggerRows.length, 'trigger')} to the ${sink.label} ...`);
    triggerResults = await sink.upsert(TRIGGER_OBJECT, TRIGGER_FIELDS.key, triggerRows, progress);
    // live mode: the owner of every Open trigger still owed a follow-up Task gets one with the playbook. What is
    // owed is read back from the sink (no Task id recorded yet), so a run interrupted after the triggers were
    // written still creates its Tasks next time.
    if (status === 'Open') {
      const T = TRIGGER_FIELDS;
      const stored = await sink.load(TRIGGER_OBJECT, T.key, [
        T.account,
        T.status,
        T.isoWeek,
        T.share,
        T.ticketsTotal,
        T.evidence,
        FOLLOW_UP_TASK_FIELD
      ]);
      const owed = [...stored].filter(([, r]) => r[T.status] === 'Open' && !r[FOLLOW_UP_TASK_FIELD]);
      if (owed.length) {
        const due = new Date(options.asOfMs + policy.integer('Expansion_Task_Due_Days') * 86_400_000)
          .toISOString()
          .slice(0, 10);
        const tasks: FollowUpTask[] = owed.map(([key, r]) => ({
          key,
          accountKey: String(r[T.account]),
          subject: `Expansion signal ${r[T.isoWeek]}: AI resolution share ${(100 * Number(r[T.share])).toFixed(1)}% (${r[T.ticketsTotal]} tickets)`,
          description: `${policy.text('Expansion_Playbook')}\n\nEvidence: ${r[T.evidence] ?? ''}`,
          dueDate: due,
          // a trigger stored before this run may have got its Task from a run that could not record the Id
          mayExist: storedTriggers.has(key)
        }));
        taskResults = await sink.createFollowUpTasks(tasks);
        const created = taskResults.filter((r) => r.ok && r.id);
        const marked = await sink.upsert(
          TRIGGER_OBJECT,
          T.key,
          created.map((r) => ({ [T.key]: r.key, [FOLLOW_UP_TASK_FIELD]: r.id! }))
        );
        for (const r of marked)
          if (!r.ok)
            failures.push({
              object: TRIGGER_OBJECT,
              key: r.key,
              error: `${NOT_RECORDED}${r.error ?? 'failed'}`
            });
        for (const r of taskResults)
          if (!r.ok) failures.push({ object: 'Task', key: r.key, error: r.error ?? 'failed' });
      }
    }
    for (const r of snapshotResults)
      if (!r.ok) failures.push({ object: SNAPSHOT_OBJECT, key: r.key, error: r.error ?? 'failed' });
    failures.push(...snapshotFailures);
    for (const r of triggerResults)
      if (!r.ok) failures.push({ object: TRIGGER_OBJECT, key: r.key, error: r.error ?? 'failed' });
    for (const r of await writeFiredEvents(sink, options.asOfMs))
      if (!r.ok) failures.push({ object: 'Funnel_Event__c', key: r.key, error: r.error ?? 'failed' });
  }

  snapshotWrites ??= options.dryRun
    ? { written: 0, unchanged: weeks.length - changed.length, failed: 0, would_write: changed.length }
    : counts(snapshotResults, weeks.length - changed.length);
  // every fired trigger is upserted (its sync-owned fields refreshed), so a real run would write each one
  const triggerWrites: WriteCounts = options.dryRun
    ? { written: 0, unchanged: 0, failed: 0, would_write: triggers.length }
    : counts(triggerResults, 0);
  if (options.dryRun) {
    // a snapshot of an account with no Account is new (none can be stored): it is among the rows to write
    snapshotWrites.would_fail = snapshotsFailing;
    triggerWrites.would_fail = triggersFailing;
  }
  const accountsCreated =
    !options.dryRun && sink.createsMissingAccounts
      ? missing.length - (missing.length ? (await accountsNotIn(sink, missing)).length : 0)
      : undefined;
  const followUpTasks = {
    created: taskResults.filter((r) => r.ok && !r.existing).length,
    found: taskResults.filter((r) => r.ok && r.existing).length,
    failed: taskResults.filter((r) => !r.ok).length,
    ids_not_recorded: failures.filter((f) => f.object === TRIGGER_OBJECT && f.error.startsWith(NOT_RECORDED)).length
  };
  // the export's rows, rejects and write failures, kept for the rollout audit (cockpit/syncRuns.ts)
  // a run that wrote, rejected and failed nothing (an unchanged re-run) tells the audit nothing new: no row, so a
  // re-run writes nothing at all
  const runChanged =
    snapshotWrites.written + triggerWrites.written > 0 || agg.rejects.length > 0 || failures.length > 0;
  const runFailures =
    options.dryRun || !runChanged
      ? []
      : await recordSyncRun(sink, 'usage', new Date(options.asOfMs).toISOString(), [
          ticketExportRun(agg.rowsRead, agg.rejects, failures.length)
        ]);
  for (const f of runFailures) failures.push({ object: 'GTM_Sync_Run__c', key: f.key, error: f.error });
  const summary: SyncSummary = {
    input: options.input,
    format: agg.format,
    encoding: agg.encoding ?? 'utf8',
    sink: sink.label,
    policy: `${policy.origin} (version ${policy.version})`,
    dry_run: options.dryRun,
    as_of: new Date(options.asOfMs).toISOString(),
    mode,
    rows_read: agg.rowsRead,
    rejected: agg.rejects.length,
    duplicates: agg.duplicates,
    tickets: agg.tickets,
    snapshots: weeks.length,
    triggers: triggers.length,
    written: snapshotWrites.written + triggerWrites.written,
    unchanged: snapshotWrites.unchanged + triggerWrites.unchanged,
    ...(options.dryRun ? { would_write: (snapshotWrites.would_write ?? 0) + (triggerWrites.would_write ?? 0) } : {}),
    failed:
      snapshotWrites.failed +
      triggerWrites.failed +
      followUpTasks.failed +
      followUpTasks.ids_not_recorded +
      runFailures.length,
    snapshot_writes: snapshotWrites,
    trigger_writes: triggerWrites,
    follow_up_tasks: followUpTasks,
    lowered_weeks: lowered.count,
    weeks_not_complete: weeks.filter((w) => !isWeekComplete(w.weekIndex, options.asOfMs)).length,
    ...(missingAccounts ? { missing_accounts: missingAccounts } : {}),
    ...(accountsCreated !== undefined ? { accounts_created: accountsCreated } : {}),
    ...(liveOverride ? { live_override: liveOverride } : {})
  };
  const result = { summary, rejects: agg.rejects, triggers, failures, lowered: lowered.rows } as Omit<
    SyncResult,
    'snapshots'
  > as SyncResult;
  Object.defineProperty(result, 'snapshots', { get: snapshotRows, enumerable: true });
  if (exporting) {
    progress(`reading back what the ${sink.label} holds for the export ...`);
    const failedKeys = new Set(failures.filter((f) => f.object === SNAPSHOT_OBJECT).map((f) => f.key));
    const changedKeys = storedBefore ? undefined : new Set(changed.map((row) => row[SNAPSHOT_FIELDS.key] as string));
    const writtenNow = (row: SObjectRow) => {
      const key = row[SNAPSHOT_FIELDS.key] as string;
      if (changedKeys) return changedKeys.has(key);
      const old = storedBefore!.get(key);
      return !old || (!identical(old, row) && SNAPSHOT_COMPARED.some((f) => !same(old[f], row[f])));
    };
    const snapshotState = snapshotRows()
      .filter((row) => !failedKeys.has(row[SNAPSHOT_FIELDS.key] as string))
      .map((row) => ({ row, isNew: writtenNow(row) }));
    // every trigger the store holds at an account and week of the export, those of earlier runs included
    const pairs = new Set(weeks.map((w) => `${w.accountKey}\u0000${w.weekIndex}`));
    const T = TRIGGER_FIELDS;
    const firedNow = new Set(triggers.map((t) => String(t.row[T.key])));
    const triggerState = [
      ...(
        await sink.load(TRIGGER_OBJECT, T.key, [
          T.account,
          T.isoWeek,
          T.weekStart,
          T.share,
          T.ticketsTotal,
          T.streakStartWeek,
          T.status,
          OUTCOME_FIELDS.label,
          OUTCOME_FIELDS.windowEnd
        ])
      ).entries()
    ]
      .filter(([, row]) => pairs.has(`${String(row[T.account])}\u0000${weekIndexOfLabel(String(row[T.isoWeek]))}`))
      .map(([key, row]) => ({ row, isNew: firedNow.has(key) && !storedTriggers.has(key) }))
      .sort(
        (a, b) =>
          (String(a.row[T.account]) < String(b.row[T.account]) ? -1 : 0) ||
          (String(a.row[T.account]) > String(b.row[T.account]) ? 1 : 0) ||
          String(a.row[T.isoWeek]).localeCompare(String(b.row[T.isoWeek]))
      );
    writeExport(options.exportDir!, result, { snapshots: snapshotState, triggers: triggerState });
  }
  return result;
}

/** What the store holds for the export's accounts and weeks after the run, and which of it this run wrote. */
export interface ExportState {
  snapshots: { row: SObjectRow; isNew: boolean }[];
  triggers: { row: SObjectRow; isNew: boolean }[];
}

/** The files --export writes. */
export const EXPORT_FILES = [
  'usage_snapshots.csv',
  'expansion_triggers.csv',
  'rejects.csv',
  'write_failures.csv',
  'summary.json'
] as const;

/**
 * Refuses, before anything is read or written, an export folder that cannot take the files: the folder (or the
 * nearest folder above it that exists, where it will be made) must be a writable folder, and each file of the
 * export already there a writable file.
 */
export function checkExportDir(dir: string): void {
  const refuse = (why: string) =>
    new InputError(`cannot write the export to ${dir}: ${why}; nothing was read or written`);
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  let st: fs.Stats;
  try {
    st = fs.statSync(existing);
  } catch (err) {
    throw refuse(`${existing}: ${describeFsError(err)}`);
  }
  if (!st.isDirectory()) throw refuse(`${existing} is a file, not a folder`);
  if (existing === path.resolve(dir))
    for (const name of EXPORT_FILES) {
      const file = path.join(dir, name);
      if (!fs.existsSync(file)) continue;
      if (fs.statSync(file).isDirectory()) throw refuse(`${file} is a folder, not a file`);
      try {
        fs.accessSync(file, fs.constants.W_OK);
      } catch (err) {
        throw refuse(`${file}: ${describeFsError(err)}`);
      }
    }
  // what access() cannot tell (a read-only or virtual file system such as /proc or /sys, even as root): the folder
  // is made, a file written in it, and both removed
  try {
    probeWritableDir(dir);
  } catch (err) {
    throw refuse(describeFsError(err));
  }
}

/**
 * Writes the export files, each through a temporary name, so a reader never sees half a file. The snapshots and
 * triggers are what the store holds for the export's accounts and weeks (`state`; by default this run's rows),
 * with new_in_this_run saying which this run wrote: a re-run's export is as complete as the first run's.
 */
export function writeExport(dir: string, r: SyncResult, state?: ExportState): void {
  const S = SNAPSHOT_FIELDS;
  const T = TRIGGER_FIELDS;
  const { snapshots, triggers } = state ?? {
    snapshots: r.snapshots.map((row) => ({ row, isNew: true })),
    triggers: r.triggers.map((t) => ({ row: t.row, isNew: true }))
  };
  const files: Record<string, string[][]> = {
    'usage_snapshots.csv': [
      [
        'account_id',
        'iso_week',
        'week_start',
        'tickets_total',
        'ai_resolved',
        'human_resolved',
        'unresolved',
        'ai_resolution_share',
        'new_in_this_run'
      ],
      ...snapshots.map(({ row: s, isNew }) => [
        String(s[S.account]),
        String(s[S.isoWeek]),
        String(s[S.weekStart]),
        String(s[S.ticketsTotal]),
        String(s[S.aiResolved]),
        String(s[S.humanResolved]),
        String(s[S.unresolved]),
        // as stored and as the trigger export writes it (6 decimals), not the raw quotient
        String(roundShare(Number(s[S.aiResolved]), Number(s[S.ticketsTotal]))),
        String(isNew)
      ])
    ],
    'expansion_triggers.csv': [
      [
        'account_id',
        'iso_week',
        'week_start',
        'share',
        'tickets_total',
        'streak_start_week',
        'status',
        'new_in_this_run',
        // what the last backtest said of the trigger (empty until its outcome window closed and was labelled)
        'outcome_label',
        'outcome_window_end'
      ],
      ...triggers.map(({ row: t, isNew }) => [
        ...[T.account, T.isoWeek, T.weekStart, T.share, T.ticketsTotal, T.streakStartWeek, T.status].map((f) =>
          String(t[f] ?? '')
        ),
        String(isNew),
        String(t[OUTCOME_FIELDS.label] ?? ''),
        String(t[OUTCOME_FIELDS.windowEnd] ?? '')
      ])
    ],
    'rejects.csv': [['line', 'reason', 'raw'], ...r.rejects.map((x) => [String(x.line), x.reason, x.raw])],
    'write_failures.csv': [['object', 'key', 'error'], ...r.failures.map((f) => [f.object, f.key, f.error])]
  };
  try {
    makeDirs(dir);
    const write = (name: string, text: string) => {
      const tmp = path.join(dir, `.${name}.tmp`);
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, path.join(dir, name));
    };
    for (const [name, rows] of Object.entries(files)) write(name, rows.map((row) => toCsvLine(row)).join('\n') + '\n');
    write('summary.json', `${JSON.stringify(r.summary, null, 2)}\n`);
  } catch (err) {
    throw new InputError(`cannot write the export to ${dir}: ${describeFsError(err)}`);
  }
}

/**
 * The tracking plan's Expansion Trigger Fired for every stored trigger, into a local store (in an org the trigger's
 * Apex trigger publishes it on creation: GtmFunnelEventPublisher.expansionTriggersFired, the same id and properties):
 * only those the store lacks are written, at the run's as-of, so a re-run writes none.
 */
async function writeFiredEvents(sink: UsageSink, asOfMs: number): Promise<RowResult[]> {
  if (sink.runsCrmTriggers) return [];
  const T = TRIGGER_FIELDS;
  const stored = await sink.load(TRIGGER_OBJECT, T.key, ['Id', T.account, T.isoWeek, T.mode]);
  const occurredAt = new Date(asOfMs).toISOString();
  return writeCrmEvents(
    sink,
    [...stored]
      .filter(([, t]) => t[T.account] && t[T.isoWeek] && t[T.mode])
      .map(([key, t]) => ({
        name: 'Expansion Trigger Fired',
        subject: String(t.Id),
        occurredAt,
        accountKey: String(t[T.account]),
        source: 'gtm usage sync',
        properties: { trigger_key: key, iso_week: String(t[T.isoWeek]), mode: String(t[T.mode]).toLowerCase() }
      }))
  );
}
