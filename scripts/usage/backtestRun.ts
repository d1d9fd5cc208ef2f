/**
 * `gtm usage backtest` and the live-mode gate: read the stored triggers and the outcomes (a file, or expansion
 * Opportunities in the store or org), label each trigger whose window has closed, write the labels back, and
 * judge the false-positive rate against the policy.
 */
import { InputError, formatProblem, Problem } from '../lib/errors';
import { readCsvFile } from '../lib/csvFile';
import type { Policy } from '../policy/policy';
import {
  backtestReport,
  BacktestReport,
  DecisionSummary,
  FiredTriggerRef,
  labelTriggers,
  LabelledTrigger,
  Outcome,
  OutcomeLabel,
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
  writes: { written: number; failed: number };
  failures: RowResult[];
}

/** account_id,outcome_date (a date or an ISO instant); every bad line named. */
export function readOutcomesFile(file: string): Outcome[] {
  const problems: Problem[] = [];
  const outcomes: Outcome[] = [];
  for (const rec of readCsvFile(file, { required: ['account_id', 'outcome_date'] }, file)) {
    const account = rec.values.account_id ?? '';
    const raw = rec.values.outcome_date ?? '';
    const ns = parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
    if (!account) problems.push({ file, line: rec.line, field: 'account_id', message: 'is empty' });
    else if (ns === undefined)
      problems.push({
        file,
        line: rec.line,
        field: 'outcome_date',
        message: `"${raw}" is not a date or ISO 8601 instant`
      });
    else outcomes.push({ accountKey: account, dateMs: nsToMs(ns) });
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

/** Set by CS Ops when they dismiss a trigger on the Account panel; the backtest reads it next to the outcome. */
const DECISION_REASON_FIELD = 'Decision_Reason__c';

async function storedTriggers(sink: UsageSink) {
  const rows = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [
    TRIGGER_FIELDS.account,
    TRIGGER_FIELDS.isoWeek,
    TRIGGER_FIELDS.status,
    DECISION_REASON_FIELD,
    OUTCOME_FIELDS.label
  ]);
  return [...rows].map(([key, r]) => ({
    key,
    accountKey: String(r[TRIGGER_FIELDS.account] ?? ''),
    isoWeek: String(r[TRIGGER_FIELDS.isoWeek] ?? ''),
    status: r[TRIGGER_FIELDS.status] == null ? null : String(r[TRIGGER_FIELDS.status]),
    decisionReason: r[DECISION_REASON_FIELD] == null ? null : String(r[DECISION_REASON_FIELD]),
    label: (r[OUTCOME_FIELDS.label] ?? null) as OutcomeLabel | null
  }));
}

export async function runBacktest(
  sink: UsageSink,
  policy: Policy,
  options: { asOfMs: number; outcomesFile?: string; dryRun: boolean }
): Promise<BacktestResult> {
  const triggers = await storedTriggers(sink);
  const outcomes = options.outcomesFile
    ? readOutcomesFile(options.outcomesFile)
    : await sink.loadOutcomes(policy.list('Expansion_Outcome_Opportunity_Types'));
  const { labelled, pending } = labelTriggers(
    triggers,
    outcomes,
    policy.integer('Expansion_Outcome_Window_Days'),
    options.asOfMs
  );
  let failures: RowResult[] = [];
  let written = 0;
  if (!options.dryRun && labelled.length) {
    const results = await sink.upsert(
      TRIGGER_OBJECT,
      TRIGGER_FIELDS.key,
      labelled.map((l) => ({
        [TRIGGER_FIELDS.key]: l.key,
        [OUTCOME_FIELDS.label]: l.label,
        [OUTCOME_FIELDS.windowEnd]: l.windowEnd
      }))
    );
    failures = results.filter((r) => !r.ok);
    written = results.length - failures.length;
  }
  return {
    report: backtestReport(labelled, pending.length, policy, options.asOfMs),
    decisions: summarizeDecisions(labelled),
    labelled,
    pending,
    outcomesFrom:
      options.outcomesFile ??
      `expansion Opportunities (${policy.list('Expansion_Outcome_Opportunity_Types').join(', ')}) in the ${sink.label}`,
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
  return backtestReport(labels, triggers.length - labels.length, policy, asOfMs);
}
