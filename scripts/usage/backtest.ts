/**
 * exp-005's week-6 QA: were the triggers right? Each trigger whose outcome window has closed is labelled a
 * true positive (an expansion outcome on the account inside the window) or a false positive; the false-positive
 * rate is reported with a Wilson 95% interval and judged against the policy target on a minimum sample.
 */
import type { Policy } from '../policy/policy';
import { wilson } from '../stats/proportions';
import { weekIndexOfLabel, weekStartMs } from './isoWeek';

export const TRUE_POSITIVE = 'True Positive';
export const FALSE_POSITIVE = 'False Positive';
export type OutcomeLabel = typeof TRUE_POSITIVE | typeof FALSE_POSITIVE;

const DAY_MS = 86_400_000;

export interface FiredTriggerRef {
  key: string;
  accountKey: string;
  isoWeek: string;
  /** Expansion_Trigger__c.Status__c: Accepted / Dismissed once CS Ops decided */
  status?: string | null;
  /** why CS Ops dismissed it (Decision_Reason__c) */
  decisionReason?: string | null;
}

export interface Outcome {
  accountKey: string;
  dateMs: number;
  /** the line of the outcomes file it was read from (none when it came from the store) */
  line?: number;
}

export interface LabelledTrigger extends FiredTriggerRef {
  windowStart: string;
  windowEnd: string;
  label: OutcomeLabel;
  outcomeDate?: string;
}

export interface BacktestReport {
  asOf: string;
  windowDays: number;
  triggers: number;
  pending: number;
  n: number;
  truePositives: number;
  falsePositives: number;
  falsePositiveRate: number | null;
  wilson95: { low: number; high: number } | null;
  target: { maxRate: number; minSample: number };
  met: boolean;
  verdict: string;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Wilson 95% score interval for k successes in n trials: the shared one in scripts/stats ({0, 1} at n = 0). */
export function wilsonInterval(k: number, n: number): { low: number; high: number } {
  return wilson({ k, n }) ?? { low: 0, high: 1 };
}

/** The outcome window of a trigger: from the end of its fired week, windowDays long. */
export function outcomeWindow(isoWeek: string, windowDays: number): { startMs: number; endMs: number } | undefined {
  const w = weekIndexOfLabel(isoWeek);
  if (w === undefined) return undefined;
  const startMs = weekStartMs(w + 1);
  return { startMs, endMs: startMs + windowDays * DAY_MS };
}

export function labelTriggers(
  triggers: readonly FiredTriggerRef[],
  outcomes: readonly Outcome[],
  windowDays: number,
  asOfMs: number
): { labelled: LabelledTrigger[]; pending: FiredTriggerRef[] } {
  const byAccount = new Map<string, number[]>();
  for (const o of outcomes) {
    const dates = byAccount.get(o.accountKey);
    if (dates) dates.push(o.dateMs);
    else byAccount.set(o.accountKey, [o.dateMs]);
  }
  const labelled: LabelledTrigger[] = [];
  const pending: FiredTriggerRef[] = [];
  for (const t of triggers) {
    const win = outcomeWindow(t.isoWeek, windowDays);
    if (!win || win.endMs > asOfMs) {
      pending.push(t);
      continue;
    }
    const hit = (byAccount.get(t.accountKey) ?? [])
      .filter((d) => d >= win.startMs && d < win.endMs)
      .sort((a, b) => a - b)[0];
    labelled.push({
      ...t,
      windowStart: isoDate(win.startMs),
      windowEnd: isoDate(win.endMs),
      label: hit === undefined ? FALSE_POSITIVE : TRUE_POSITIVE,
      ...(hit === undefined ? {} : { outcomeDate: isoDate(hit) })
    });
  }
  return { labelled, pending };
}

export function backtestReport(
  labels: readonly { label: OutcomeLabel }[],
  pending: number,
  policy: Policy,
  asOfMs: number,
  /** of the pending: triggers whose window has closed but that carry no label (no backtest labelled them yet) */
  unlabelledClosed = 0
): BacktestReport {
  const maxRate = policy.number('Expansion_Max_False_Positive_Rate');
  const minSample = policy.integer('Expansion_Backtest_Min_Sample');
  const n = labels.length;
  const fp = labels.filter((l) => l.label === FALSE_POSITIVE).length;
  const rate = n ? fp / n : null;
  const met = rate !== null && n >= minSample && rate < maxRate;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const runBacktest = `${unlabelledClosed} ${unlabelledClosed === 1 ? 'trigger has' : 'triggers have'} a closed outcome window but no label: run gtm usage backtest`;
  const verdict =
    rate === null
      ? unlabelledClosed
        ? `${runBacktest} first; live mode stays off`
        : `no trigger has a closed outcome window yet (${pending} pending): live mode stays off`
      : n < minSample
        ? `false-positive rate ${pct(rate)} on n=${n}: below the minimum sample of ${minSample}, not enough to go live${unlabelledClosed ? ` (${runBacktest})` : ''}`
        : met
          ? `false-positive rate ${pct(rate)} on n=${n} is below the ${pct(maxRate)} target: live mode may start`
          : `false-positive rate ${pct(rate)} on n=${n} is not below the ${pct(maxRate)} target: live mode stays off`;
  return {
    asOf: new Date(asOfMs).toISOString(),
    windowDays: policy.integer('Expansion_Outcome_Window_Days'),
    triggers: n + pending,
    pending,
    n,
    truePositives: n - fp,
    falsePositives: fp,
    falsePositiveRate: rate,
    wilson95: n ? wilsonInterval(fp, n) : null,
    target: { maxRate, minSample },
    met,
    verdict
  };
}

export const ACCEPTED = 'Accepted';
export const DISMISSED = 'Dismissed';

/** What CS Ops decided on the labelled triggers, read against the outcomes. */
export interface DecisionSummary {
  accepted: number;
  /** accepted and an expansion followed in the window */
  acceptedTruePositives: number;
  dismissed: number;
  /** dismissed and no expansion followed: the people were right */
  dismissedFalsePositives: number;
  /** dismissal reasons, most frequent first, each with how many of them were false positives */
  reasons: { reason: string; count: number; falsePositives: number }[];
}

/**
 * The dismissal reasons feed the false-positive measurement: next to the rate, the report says how often people
 * agreed with the outcome and which reasons were given, so a threshold change can target the common false alarm.
 */
export function summarizeDecisions(labelled: readonly LabelledTrigger[]): DecisionSummary {
  const reasons = new Map<string, { count: number; falsePositives: number }>();
  let accepted = 0;
  let acceptedTruePositives = 0;
  let dismissed = 0;
  let dismissedFalsePositives = 0;
  for (const t of labelled) {
    if (t.status === ACCEPTED) {
      accepted++;
      if (t.label === TRUE_POSITIVE) acceptedTruePositives++;
    } else if (t.status === DISMISSED) {
      dismissed++;
      const fp = t.label === FALSE_POSITIVE;
      if (fp) dismissedFalsePositives++;
      const reason = (t.decisionReason ?? '').trim().replace(/\s+/g, ' ') || '(no reason given)';
      const r = reasons.get(reason) ?? { count: 0, falsePositives: 0 };
      r.count++;
      if (fp) r.falsePositives++;
      reasons.set(reason, r);
    }
  }
  return {
    accepted,
    acceptedTruePositives,
    dismissed,
    dismissedFalsePositives,
    reasons: [...reasons]
      .map(([reason, r]) => ({ reason, ...r }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
  };
}
