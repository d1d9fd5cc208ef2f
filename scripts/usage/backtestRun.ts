/**
 * `gtm usage backtest` and the live-mode gate: read the stored triggers and the outcomes (a file, or expansion
 * Opportunities in the store or org), label each trigger whose window has closed, write the labels back, and
 * judge the false-positive rate against the policy.
 */
import * as fs from 'node:fs';
import { describeFsError, InputError, formatProblem, Problem } from '../lib/errors';
import type { Policy } from '../policy/policy';
import { encodingInputError } from './aggregate';
import { CsvRecord, CsvStructureError, readCsvBuffer } from './csvRecords';
import { Encoding, EncodingError, wholeToUtf8 } from './encoding';
import { headerProblem, indexColumns, trimAscii } from './rowRules';
import {
  backtestReport,
  BacktestReport,
  DecisionSummary,
  FiredTriggerRef,
  labelTriggers,
  LabelledTrigger,
  Outcome,
  OutcomeLabel,
  outcomeWindow,
  summarizeDecisions,
  TRUE_POSITIVE,
  FALSE_POSITIVE
} from './backtest';
import { nsToMs, parseInstant } from './instant';
import { OUTCOME_FIELDS, TRIGGER_FIELDS, TRIGGER_OBJECT } from './records';
import type { RowResult, UsageSink } from './sink';

export interface BacktestResult {
  report: BacktestReport;
  /** what CS Ops decided on the labelled triggers, against the outcomes */
  decisions: DecisionSummary;
  labelled: LabelledTrigger[];
  pending: FiredTriggerRef[];
  outcomesFrom: string;
  /** how many outcomes the source held */
  outcomes: number;
  /**
   * outcomes in no trigger's outcome window (closed or open): expansions the rule did not announce, which the
   * false-positive rate does not see; with the accounts among them that never fired a trigger (first few named)
   */
  unmatchedOutcomes: { count: number; accountsWithoutTrigger: number; keys: string[] };
  /**
   * labels this run changed from what was stored: a True Positive turned False Positive is never silent (the
   * command prints each); `labelled` counts triggers labelled for the first time
   */
  labelChanges: {
    labelled: number;
    upgraded: number;
    downgraded: { key: string; accountKey: string; isoWeek: string }[];
  };
  writes: { written: number; failed: number };
  failures: RowResult[];
}

const OUTCOME_COLUMNS = ['account_id', 'outcome_date'];

/**
 * account_id,outcome_date (a date or an ISO instant); every bad line named. Read as ticket exports are: the
 * header's names trimmed and in any case, extra columns ignored, a column named twice refused; UTF-8 (checked),
 * or UTF-16 with its byte order mark; `encoding` as the sync's --encoding (latin1, utf16).
 */
export function readOutcomesFile(file: string, encoding?: Encoding): Outcome[] {
  let text: Buffer;
  try {
    text = wholeToUtf8(fs.readFileSync(file), encoding);
  } catch (err) {
    if (err instanceof EncodingError) throw encodingInputError(file, err);
    throw new InputError(`cannot read ${file}: ${describeFsError(err)}`);
  }
  const records: CsvRecord[] = [];
  try {
    readCsvBuffer(text, (r) => records.push(r));
  } catch (err) {
    if (err instanceof CsvStructureError)
      throw new InputError(`${file}:${err.line}: not readable as CSV: ${err.message}`);
    throw err;
  }
  const [head, ...rows] = records;
  if (!head) throw new InputError(`${file} is empty: expected a header line (account_id,outcome_date) and rows`);
  const found = indexColumns(head.fields, OUTCOME_COLUMNS);
  if (!found.index) {
    const { message, details } = headerProblem(head.fields, found, OUTCOME_COLUMNS);
    throw new InputError(`${file}:${head.line}: ${message}`, { details });
  }
  const col = found.index as unknown as Record<string, number>;
  const problems: Problem[] = [];
  const outcomes: Outcome[] = [];
  for (const rec of rows) {
    const account = trimAscii(rec.fields[col.account_id!] ?? '');
    const raw = trimAscii(rec.fields[col.outcome_date!] ?? '');
    const ns = parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
    if (rec.malformed) problems.push({ file, line: rec.line, message: `not well-formed CSV: ${rec.malformed}` });
    else if (!account) problems.push({ file, line: rec.line, field: 'account_id', message: 'is empty' });
    else if (ns === undefined)
      problems.push({
        file,
        line: rec.line,
        field: 'outcome_date',
        message: `"${raw}" is not a date or ISO 8601 instant`
      });
    else outcomes.push({ accountKey: account, dateMs: nsToMs(ns), line: rec.line });
  }
  if (problems.length) {
    throw new InputError(
      problems.length === 1 ? formatProblem(problems[0]!) : `${file} has ${problems.length} problems`,
      {
        details: problems.length === 1 ? [] : problems.map(formatProblem)
      }
    );
  }
  return outcomes;
}

/**
 * Account keys are case-sensitive (Usage_Account_Key__c is, as ticket exports' ids are), so an outcome for "bigco"
 * is no expansion of "BigCo": every trigger of BigCo would silently become a false positive. An outcome key that
 * matches no trigger's account but matches one when case is ignored is a typo far more often than another account:
 * the file is refused, each such line named with the key it likely means.
 */
function refuseCaseOnlyMismatches(file: string, outcomes: Outcome[], triggers: { accountKey: string }[]): void {
  const exact = new Set(triggers.map((t) => t.accountKey));
  const folded = new Map<string, string>();
  for (const key of exact) folded.set(key.toLowerCase(), key);
  const problems: Problem[] = [];
  for (const o of outcomes) {
    if (exact.has(o.accountKey)) continue;
    const meant = folded.get(o.accountKey.toLowerCase());
    if (meant !== undefined)
      problems.push({
        file,
        line: o.line ?? 0,
        field: 'account_id',
        message: `"${o.accountKey}" is no account with triggers; "${meant}" is (account keys are case-sensitive)`
      });
  }
  if (problems.length === 0) return;
  throw new InputError(
    problems.length === 1
      ? `${formatProblem(problems[0]!)}; nothing was labelled`
      : `${file}: ${problems.length} account_id values differ from a trigger's account only in case; nothing was labelled`,
    {
      details: [
        ...(problems.length === 1 ? [] : problems.slice(0, 10).map(formatProblem)),
        ...(problems.length > 10 ? [`... and ${problems.length - 10} more`] : []),
        'write each account_id exactly as the ticket export does'
      ]
    }
  );
}

/** how many accounts with an unannounced expansion a report names */
const UNMATCHED_SHOWN = 5;

/** The outcomes no trigger's window holds, and the accounts among them with no trigger at all. */
function unmatchedOutcomes(
  outcomes: readonly Outcome[],
  triggers: readonly { accountKey: string; isoWeek: string }[],
  windowDays: number
): BacktestResult['unmatchedOutcomes'] {
  const windows = new Map<string, { startMs: number; endMs: number }[]>();
  for (const t of triggers) {
    const w = outcomeWindow(t.isoWeek, windowDays);
    if (w) windows.set(t.accountKey, [...(windows.get(t.accountKey) ?? []), w]);
  }
  const unmatched = outcomes.filter(
    (o) => !(windows.get(o.accountKey) ?? []).some((w) => o.dateMs >= w.startMs && o.dateMs < w.endMs)
  );
  const without = [...new Set(unmatched.map((o) => o.accountKey))].filter((k) => !windows.has(k)).sort();
  return { count: unmatched.length, accountsWithoutTrigger: without.length, keys: without.slice(0, UNMATCHED_SHOWN) };
}

/** Set by CS Ops when they dismiss a trigger on the Account panel; the backtest reads it next to the outcome. */
const DECISION_REASON_FIELD = 'Decision_Reason__c';

async function storedTriggers(sink: UsageSink) {
  const rows = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [
    TRIGGER_FIELDS.account,
    TRIGGER_FIELDS.isoWeek,
    TRIGGER_FIELDS.status,
    DECISION_REASON_FIELD,
    OUTCOME_FIELDS.label,
    OUTCOME_FIELDS.windowEnd
  ]);
  return [...rows].map(([key, r]) => ({
    key,
    accountKey: String(r[TRIGGER_FIELDS.account] ?? ''),
    isoWeek: String(r[TRIGGER_FIELDS.isoWeek] ?? ''),
    status: r[TRIGGER_FIELDS.status] == null ? null : String(r[TRIGGER_FIELDS.status]),
    decisionReason: r[DECISION_REASON_FIELD] == null ? null : String(r[DECISION_REASON_FIELD]),
    label: (r[OUTCOME_FIELDS.label] ?? null) as OutcomeLabel | null,
    // a date as the sink gives it (local "2026-05-31", org "2026-05-31"), compared as text
    windowEnd: r[OUTCOME_FIELDS.windowEnd] == null ? null : String(r[OUTCOME_FIELDS.windowEnd]).slice(0, 10)
  }));
}

export async function runBacktest(
  sink: UsageSink,
  policy: Policy,
  options: {
    asOfMs: number;
    outcomesFile?: string;
    outcomesEncoding?: Encoding;
    dryRun: boolean;
    allowEmptyOutcomes?: boolean;
  }
): Promise<BacktestResult> {
  const outcomesFrom =
    options.outcomesFile ??
    `expansion Opportunities (${policy.list('Expansion_Outcome_Opportunity_Types').join(', ')}) in the ${sink.label}`;
  const outcomes = options.outcomesFile
    ? readOutcomesFile(options.outcomesFile, options.outcomesEncoding)
    : await sink.loadOutcomes(policy.list('Expansion_Outcome_Opportunity_Types'));
  // no outcome at all is far likelier a wrong or empty source than a quarter without one expansion; labelling on
  // it would call every closed trigger a false positive and overwrite the labels of earlier backtests
  if (outcomes.length === 0 && !options.allowEmptyOutcomes)
    throw new InputError(
      `no expansion outcomes in ${outcomesFrom}: every closed trigger would be labelled a false positive; nothing was labelled`,
      {
        details: [
          options.outcomesFile
            ? 'check the outcomes file (account_id,outcome_date, one row per expansion)'
            : 'load the expansion Opportunities first, or pass --outcomes FILE',
          'if there truly was no expansion, pass --allow-empty-outcomes'
        ]
      }
    );
  const triggers = await storedTriggers(sink);
  if (options.outcomesFile) refuseCaseOnlyMismatches(options.outcomesFile, outcomes, triggers);
  const { labelled, pending } = labelTriggers(
    triggers,
    outcomes,
    policy.integer('Expansion_Outcome_Window_Days'),
    options.asOfMs
  );
  let failures: RowResult[] = [];
  let written = 0;
  // a label the store already holds, with the same window, is not written again (a re-run writes nothing)
  const stored = new Map(triggers.map((t) => [t.key, t]));
  const changed = labelled.filter(
    (l) => stored.get(l.key)?.label !== l.label || stored.get(l.key)?.windowEnd !== l.windowEnd
  );
  if (!options.dryRun && changed.length) {
    const results = await sink.upsert(
      TRIGGER_OBJECT,
      TRIGGER_FIELDS.key,
      changed.map((l) => ({
        [TRIGGER_FIELDS.key]: l.key,
        [OUTCOME_FIELDS.label]: l.label,
        [OUTCOME_FIELDS.windowEnd]: l.windowEnd
      }))
    );
    failures = results.filter((r) => !r.ok);
    written = results.length - failures.length;
  }
  const before = new Map(triggers.map((t) => [t.key, t.label]));
  const labelChanges: BacktestResult['labelChanges'] = { labelled: 0, upgraded: 0, downgraded: [] };
  for (const l of labelled) {
    const was = before.get(l.key);
    if (was !== TRUE_POSITIVE && was !== FALSE_POSITIVE) labelChanges.labelled++;
    else if (was === TRUE_POSITIVE && l.label === FALSE_POSITIVE)
      labelChanges.downgraded.push({ key: l.key, accountKey: l.accountKey, isoWeek: l.isoWeek });
    else if (was === FALSE_POSITIVE && l.label === TRUE_POSITIVE) labelChanges.upgraded++;
  }
  return {
    report: backtestReport(labelled, pending.length, policy, options.asOfMs),
    unmatchedOutcomes: unmatchedOutcomes(outcomes, triggers, policy.integer('Expansion_Outcome_Window_Days')),
    decisions: summarizeDecisions(labelled),
    labelled,
    pending,
    outcomesFrom,
    outcomes: outcomes.length,
    labelChanges,
    writes: { written, failed: failures.length },
    failures
  };
}

/** The live-mode gate: the labels the last backtest stored must meet the policy target. */
export async function liveModeReport(sink: UsageSink, policy: Policy, asOfMs: number): Promise<BacktestReport> {
  const triggers = await storedTriggers(sink);
  const labels = triggers.filter((t) => t.label === TRUE_POSITIVE || t.label === FALSE_POSITIVE) as {
    label: OutcomeLabel;
  }[];
  // an unlabelled trigger whose window has closed is waiting for a backtest, not for time
  const windowDays = policy.integer('Expansion_Outcome_Window_Days');
  const unlabelledClosed = triggers.filter((t) => {
    if (t.label === TRUE_POSITIVE || t.label === FALSE_POSITIVE) return false;
    const win = outcomeWindow(t.isoWeek, windowDays);
    return win !== undefined && win.endMs <= asOfMs;
  }).length;
  return backtestReport(labels, triggers.length - labels.length, policy, asOfMs, unlabelledClosed);
}
