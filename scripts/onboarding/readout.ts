/**
 * exp-008's readout: time to activation per arm (Blueprint against Legacy), censoring-aware, as of an instant.
 * - A plan started by as-of is observed from its start: activated by as-of is an event at its time to activation
 *   (calendar days); otherwise it is censored at as-of (still onboarding) or at its churn (churned before
 *   activating). Plans started after as-of are not in the readout.
 * - Kaplan-Meier median and P75 per arm with Brookmeyer-Crowley intervals, the log-rank p between the arms
 *   (scripts/stats/survival.ts), the share activated within Activation_Days_Target days with a Wilson interval
 *   among plans whose outcome at that day is known (activated by then, or followed that long without activating).
 * - Against the seed: the baseline Activation_Days_Baseline, the target Activation_Days_Target, and the scale rule:
 *   a relative improvement of at least Scale_Min_Relative_Lift, i.e. a Blueprint median <= baseline x (1 - lift)
 *   (11.9 days), with no rise in the support-burden guardrail (tickets per onboarding account in its first
 *   Onboarding_Guardrail_Days days, from the weekly usage snapshots whose week starts in that span, when known).
 * - Legacy plans that started before Program_Start_Date make it a pre/post comparison: "pre/post, not randomized".
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../lib/errors';
import { loadKpiContracts } from '../cockpit/kpiContracts';
import { minimumSamplePerArm } from '../cockpit/protocols';
import type { Policy } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { wilson, type Interval } from '../stats/proportions';
import {
  kaplanMeier,
  logRank,
  quantile,
  type Observation,
  type QuantileEstimate,
  type SurvivalRow
} from '../stats/survival';
import { loadPlans, type Arm, type StoredPlan } from './planStore';

const DAY_MS = 86_400_000;
export const ARMS: readonly Arm[] = ['Blueprint', 'Legacy'];

export interface PlanObservation extends Observation {
  plan: string;
  arm: Arm;
  /** why the plan is censored (null: activated) */
  censoredBy: 'as-of' | 'churn' | null;
}

export interface ArmReadout {
  arm: Arm;
  plans: number;
  activated: number;
  censoredAtAsOf: number;
  censoredAtChurn: number;
  median: QuantileEstimate;
  p75: QuantileEstimate;
  table: SurvivalRow[];
  withinTarget: { k: number; n: number; share: number | null; interval: Interval | null };
  supportTicketsPerAccount: number | null;
  supportAccountsKnown: number;
}

export interface OnboardingReadout {
  experiment: string;
  asOf: string;
  design: string;
  baselineDays: number;
  targetDays: number;
  scaleThresholdDays: number;
  guardrailDays: number;
  arms: ArmReadout[];
  logRank: { statistic: number; p: number } | null;
  scale: {
    medianDays: number | null;
    relativeImprovement: number | null;
    meetsScaleRule: boolean;
    /** activations each arm needs before the scale rule can be met (the protocol's minimum) */
    minimumActivations: number;
    meetsTarget: boolean;
    guardrail: 'no rise' | 'rise' | 'not known';
    verdict: string;
  };
  observations: PlanObservation[];
}

/** One plan as a survival observation at as-of, or null when it started after as-of. */
export function observe(plan: StoredPlan, asOfMs: number): PlanObservation | null {
  const start = Date.parse(plan.startAt);
  if (start > asOfMs) return null;
  const activated = plan.activatedAt === null ? null : Date.parse(plan.activatedAt);
  const churned = plan.churnedAt === null ? null : Date.parse(plan.churnedAt);
  const base = { plan: plan.key, arm: plan.arm };
  // a negative time would stop Kaplan-Meier with no word of which plan: name the record to correct
  for (const [field, at, ms] of [
    ['Activated_At__c', plan.activatedAt, activated],
    ['Churned_At__c', plan.churnedAt, churned]
  ] as const)
    if (ms !== null && ms <= asOfMs && ms < start)
      throw new InputError(
        `plan ${plan.key}: ${field} ${at} is before its Start_At__c ${plan.startAt}; correct one of them`
      );
  if (activated !== null && activated <= asOfMs)
    return { ...base, time: (activated - start) / DAY_MS, event: true, censoredBy: null };
  if (churned !== null && churned <= asOfMs)
    return { ...base, time: (churned - start) / DAY_MS, event: false, censoredBy: 'churn' };
  return { ...base, time: (asOfMs - start) / DAY_MS, event: false, censoredBy: 'as-of' };
}

/**
 * Mean tickets per plan account over its first `days` days, from the weekly usage snapshots (the tickets the product
 * ingests); an account counts only when its snapshots cover that whole span. Null when none is known.
 */
async function supportBurden(
  db: DuckDBConnection,
  plans: StoredPlan[],
  days: number
): Promise<{ mean: number | null; known: number }> {
  if (!plans.length) return { mean: null, known: 0 };
  return meanTicketsInFirstDays(plans, await ticketWeeksByAccount(db), days);
}

/** Each account's weekly ticket counts (week start in epoch ms) from the usage snapshots. */
export async function ticketWeeksByAccount(
  db: DuckDBConnection
): Promise<Map<string, { week: number; tickets: number }[]>> {
  const rows = (
    await db.runAndReadAll(
      `SELECT "Account__c" AS account, strftime("Week_Start__c", '%Y-%m-%dT%H:%M:%SZ') AS week, "Tickets_Total__c" AS tickets
       FROM "Usage_Snapshot__c" WHERE "Account__c" IS NOT NULL`
    )
  ).getRowObjects();
  const byAccount = new Map<string, { week: number; tickets: number }[]>();
  for (const r of rows) {
    const list = byAccount.get(String(r.account)) ?? [];
    list.push({ week: Date.parse(String(r.week)), tickets: Number(r.tickets ?? 0) });
    byAccount.set(String(r.account), list);
  }
  return byAccount;
}

/**
 * Mean tickets per account over its first `days` days from `startAt`: the weeks that overlap that span, the week of
 * the start day included (snapshots are weekly: the start's week holds its days 0 to 6 with the days before the
 * start). An account counts only when its weeks span the whole window (an account synced only later is not "0
 * tickets").
 * Pure; the rollout audit (cockpit/rolloutAudit.ts) judges support burden with it too.
 */
export function meanTicketsInFirstDays(
  starts: readonly { accountId: string; startAt: string }[],
  byAccount: ReadonlyMap<string, readonly { week: number; tickets: number }[]>,
  days: number
): { mean: number | null; known: number } {
  let total = 0;
  let known = 0;
  for (const p of starts) {
    const weeks = byAccount.get(p.accountId);
    const start = Date.parse(p.startAt);
    if (
      !weeks ||
      !weeks.length ||
      Math.min(...weeks.map((w) => w.week)) > start ||
      Math.max(...weeks.map((w) => w.week)) < start + days * DAY_MS - 7 * DAY_MS
    )
      continue;
    known++;
    total += weeks
      .filter((w) => w.week > start - 7 * DAY_MS && w.week < start + days * DAY_MS)
      .reduce((s, w) => s + w.tickets, 0);
  }
  return { mean: known ? total / known : null, known };
}

/** The day-90 KPI exp-008 is judged on (GTM_KPI_Contract.Time_To_Activation). */
const ACTIVATION_KPI = 'Time_To_Activation';

export async function buildReadout(
  db: DuckDBConnection,
  policy: Policy,
  experiment: string,
  asOfMs: number
): Promise<OnboardingReadout> {
  const baselineDays = policy.integer('Activation_Days_Baseline');
  const targetDays = policy.integer('Activation_Days_Target');
  const lift = Number(policy.decimal('Scale_Min_Relative_Lift'));
  const scaleThresholdDays = Math.round(baselineDays * (1 - lift) * 1e6) / 1e6;
  const guardrailDays = policy.integer('Onboarding_Guardrail_Days');
  const programStart = Date.parse(`${policy.date('Program_Start_Date')}T00:00:00Z`);
  const plans = await loadPlans(db);
  const observations: PlanObservation[] = [];
  const arms: ArmReadout[] = [];
  for (const arm of ARMS) {
    const mine = plans.filter((p) => p.arm === arm);
    const obs = mine.map((p) => observe(p, asOfMs)).filter((o): o is PlanObservation => o !== null);
    observations.push(...obs);
    const km = kaplanMeier(obs);
    // the outcome at the target day is known when it activated by then or was followed that long without
    const known = obs.filter((o) => (o.event && o.time <= targetDays) || o.time >= targetDays);
    const k = known.filter((o) => o.event && o.time <= targetDays).length;
    const burden = await supportBurden(
      db,
      mine.filter((p) => Date.parse(p.startAt) <= asOfMs),
      guardrailDays
    );
    arms.push({
      arm,
      plans: obs.length,
      activated: obs.filter((o) => o.event).length,
      censoredAtAsOf: obs.filter((o) => o.censoredBy === 'as-of').length,
      censoredAtChurn: obs.filter((o) => o.censoredBy === 'churn').length,
      median: quantile(km, 0.5),
      p75: quantile(km, 0.75),
      table: km.table,
      withinTarget: {
        k,
        n: known.length,
        share: known.length ? k / known.length : null,
        interval: wilson({ k, n: known.length })
      },
      supportTicketsPerAccount: burden.mean,
      supportAccountsKnown: burden.known
    });
  }
  const [blueprint, legacy] = [arms[0]!, arms[1]!];
  const test = logRank(
    observations.filter((o) => o.arm === 'Blueprint'),
    observations.filter((o) => o.arm === 'Legacy')
  );
  const prePost = plans.some((p) => p.arm === 'Legacy' && Date.parse(p.startAt) < programStart);
  const medianDays = blueprint.median.time;
  const guardrail =
    blueprint.supportTicketsPerAccount === null || legacy.supportTicketsPerAccount === null
      ? 'not known'
      : blueprint.supportTicketsPerAccount <= legacy.supportTicketsPerAccount
        ? 'no rise'
        : 'rise';
  // the seed's hold: a median past the bar on fewer activations than the locked protocol's minimum (Schoenfeld's
  // events per arm, the cockpit's own figure) is directional, not a decision
  const minimumActivations = minimumSamplePerArm(loadKpiContracts().find((c) => c.key === ACTIVATION_KPI)!, policy);
  const enough = Math.min(blueprint.activated, legacy.activated) >= minimumActivations;
  const pastTheBar = medianDays !== null && medianDays <= scaleThresholdDays && guardrail !== 'rise';
  const meetsScaleRule = pastTheBar && enough;
  const meetsTarget = medianDays !== null && medianDays <= targetDays;
  const verdict =
    medianDays === null
      ? 'median not reached: too few Blueprint plans have activated to judge'
      : meetsScaleRule
        ? `meets the scale rule: median ${fmt(medianDays)} <= ${fmt(scaleThresholdDays)} days${guardrail === 'not known' ? ' (support burden not known)' : ''}`
        : pastTheBar
          ? `hold: median ${fmt(medianDays)} <= ${fmt(scaleThresholdDays)} days, but on ${blueprint.activated} Blueprint and ${legacy.activated} Legacy activations, below the ${minimumActivations} per arm the protocol needs`
          : guardrail === 'rise' && medianDays <= scaleThresholdDays
            ? 'does not scale: the support burden rose'
            : `does not meet the scale rule: median ${fmt(medianDays)} > ${fmt(scaleThresholdDays)} days`;
  return {
    experiment,
    asOf: isoSeconds(asOfMs),
    design: prePost ? 'pre/post, not randomized' : 'concurrent arms, not randomized',
    baselineDays,
    targetDays,
    scaleThresholdDays,
    guardrailDays,
    arms,
    logRank: test ? { statistic: test.statistic, p: test.p } : null,
    scale: {
      medianDays,
      relativeImprovement: medianDays === null ? null : (baselineDays - medianDays) / baselineDays,
      meetsScaleRule,
      minimumActivations,
      meetsTarget,
      guardrail,
      verdict
    },
    observations
  };
}

const fmt = (x: number | null, digits = 1) => (x === null ? 'not reached' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const range = (q: QuantileEstimate) => `${fmt(q.time)} [${fmt(q.low)}, ${fmt(q.high)}]`;

/** The readout for people: fixed formats, so the same store and as-of print the same bytes. */
export function readoutText(r: OnboardingReadout): string {
  const lines = [
    `${r.experiment} guided implementation blueprint: time to activation as of ${r.asOf}`,
    `design: ${r.design}; baseline ${r.baselineDays} days, target ${r.targetDays}, scale at a median <= ${fmt(r.scaleThresholdDays)} days`,
    ''
  ];
  for (const a of r.arms) {
    lines.push(
      `${a.arm}: ${a.plans} plans, ${a.activated} activated, censored ${a.censoredAtAsOf} at as-of (still onboarding) and ${a.censoredAtChurn} at churn`
    );
    lines.push(`  median ${range(a.median)} days, P75 ${range(a.p75)} days (Kaplan-Meier, 95% Brookmeyer-Crowley)`);
    const w = a.withinTarget;
    lines.push(
      `  activated within ${r.targetDays} days: ${w.k} of ${w.n} known (${pct(w.share)}, 95% Wilson ${w.interval ? `${pct(w.interval.low)} to ${pct(w.interval.high)}` : 'n/a'})`
    );
    lines.push(
      `  support tickets per account in its first ${r.guardrailDays} days: ${a.supportTicketsPerAccount === null ? 'not known' : `${a.supportTicketsPerAccount.toFixed(1)} (${a.supportAccountsKnown} accounts)`}`
    );
    lines.push('  day  at risk  activated  censored  still onboarding');
    for (const row of a.table)
      lines.push(
        `  ${row.time.toFixed(1).padStart(5)}  ${String(row.atRisk).padStart(7)}  ${String(row.events).padStart(9)}  ${String(row.censored).padStart(8)}  ${pct(row.survival).padStart(16)}`
      );
    lines.push('');
  }
  lines.push(
    `log-rank: ${r.logRank ? `chi-square ${r.logRank.statistic.toFixed(2)}, p ${r.logRank.p < 0.001 ? r.logRank.p.toExponential(2) : r.logRank.p.toFixed(3)}` : 'n/a (no activation in either arm)'}`
  );
  lines.push(`support-burden guardrail: ${r.scale.guardrail}`);
  lines.push(
    `Blueprint median against the ${r.baselineDays}-day baseline: ${r.scale.relativeImprovement === null ? 'n/a' : `${(r.scale.relativeImprovement * 100).toFixed(1)}% shorter`}; target ${r.targetDays} days ${r.scale.meetsTarget ? 'met' : 'not met'}`
  );
  lines.push(`verdict: ${r.scale.verdict} (${r.design})`);
  return `${lines.join('\n')}\n`;
}
