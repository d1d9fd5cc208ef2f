/**
 * exp-001: when an account becomes a PQA, and in which arm. Pure: the account, its weekly usage snapshots and its
 * earlier signals in, one decision out, with the evidence a signal keeps (each value next to its threshold).
 *
 * Qualification: an eligible account (a GTM target account, or its segment in Exp001_Eligible_Segments) without an
 * open opportunity at or beyond Stage_Pilot becomes a PQA at the first complete ISO week after its latest signal in
 * which AI-resolved tickets >= Pqa_Min_Ai_Resolved_Week and, when the week reports active agents,
 * active agents >= Pqa_Min_Active_Agents. A week inside a cooldown (Pqa_Cooldown_Days after a disqualification) or
 * inside an earlier signal's open outcome window (Exp001_Outcome_Window_Days) creates nothing.
 *
 * Arms: sha256(Exp001_Salt + account key) mod 100 < Exp001_Treatment_Pct is Treatment, fixed at the first
 * qualification and never redrawn (a requalifying account keeps its arm). The pre-chosen target accounts are not
 * drawn: each is paired with the eligible account of its segment with the nearest score (matched, not randomized).
 */
import { createHash } from 'node:crypto';
import { addDays, compareDates, type RulePolicy } from '../rules/ruleSupport';
import type { Arm } from './readout';

export interface UsageWeek {
  isoWeek: string;
  /** YYYY-MM-DD, the Monday */
  weekStart: string;
  aiResolved: number;
  /** null when the product events do not report it */
  activeAgents: number | null;
}

export interface EarlierSignal {
  qualifiedWeek: string;
  /** YYYY-MM-DD the week completed (weekStart + 7) */
  qualifiedOn: string;
  arm: Arm | null;
  /** YYYY-MM-DD, null unless disqualified */
  cooldownUntil: string | null;
}

export interface QualificationAccount {
  key: string;
  segment: string | null;
  targetAccount: boolean;
  openPilotOpportunity: boolean;
}

export interface Evidence {
  metric: string;
  value: number | null;
  threshold: number;
  met: boolean;
}

export interface Qualification {
  qualifies: boolean;
  /** the qualifying ISO week */
  week: string | null;
  /** YYYY-MM-DD the week completed */
  qualifiedOn: string | null;
  evidence: Evidence[];
  /** why it qualifies or not */
  reason: string;
}

function evidenceOf(week: UsageWeek, policy: RulePolicy): Evidence[] {
  const minAi = policy.integer('Pqa_Min_Ai_Resolved_Week');
  const minAgents = policy.integer('Pqa_Min_Active_Agents');
  return [
    { metric: 'AI-resolved tickets', value: week.aiResolved, threshold: minAi, met: week.aiResolved >= minAi },
    {
      metric: 'active agents',
      value: week.activeAgents,
      threshold: minAgents,
      // not reported: the threshold does not apply
      met: week.activeAgents === null || week.activeAgents >= minAgents
    }
  ];
}

export function qualify(
  account: QualificationAccount,
  weeks: UsageWeek[],
  earlier: EarlierSignal[],
  policy: RulePolicy,
  today: string
): Qualification {
  const none = (reason: string): Qualification => ({
    qualifies: false,
    week: null,
    qualifiedOn: null,
    evidence: [],
    reason
  });
  const segments = policy.list('Exp001_Eligible_Segments');
  if (!account.targetAccount && !(account.segment !== null && segments.includes(account.segment)))
    return none(
      `not eligible: not a target account and segment ${account.segment ?? '(none)'} is not in Exp001_Eligible_Segments`
    );
  if (account.openPilotOpportunity) return none('has an open opportunity at or beyond Stage_Pilot');

  const windowDays = policy.integer('Exp001_Outcome_Window_Days');
  const latest = [...earlier].sort((a, b) => compareDates(b.qualifiedOn, a.qualifiedOn))[0];
  const complete = weeks
    .filter((w) => compareDates(addDays(w.weekStart, 7), today) <= 0)
    .sort((a, b) => compareDates(a.weekStart, b.weekStart));
  let lastSkip: string | null = null;
  for (const week of complete) {
    const completedOn = addDays(week.weekStart, 7);
    if (latest && compareDates(completedOn, latest.qualifiedOn) <= 0) continue;
    const evidence = evidenceOf(week, policy);
    if (!evidence.every((e) => e.met)) continue;
    const cooling = earlier.find((s) => s.cooldownUntil !== null && compareDates(completedOn, s.cooldownUntil) < 0);
    if (cooling) {
      lastSkip = `${week.isoWeek} meets the thresholds inside the cooldown until ${cooling.cooldownUntil}`;
      continue;
    }
    const open = earlier.find(
      (s) => s.cooldownUntil === null && compareDates(completedOn, addDays(s.qualifiedOn, windowDays)) < 0
    );
    if (open) {
      lastSkip = `${week.isoWeek} meets the thresholds inside the open outcome window of ${open.qualifiedWeek}`;
      continue;
    }
    return {
      qualifies: true,
      week: week.isoWeek,
      qualifiedOn: completedOn,
      evidence,
      reason: `${week.isoWeek}: ${evidence.map((e) => `${e.metric} ${e.value ?? 'not reported'} >= ${e.threshold}`).join(', ')}`
    };
  }
  return none(lastSkip ?? 'no complete week meets the thresholds');
}

/** 0-99 from sha256(salt + key): the first 8 bytes as an unsigned integer, mod 100. */
export function armBucket(salt: string, accountKey: string): number {
  const digest = createHash('sha256')
    .update(salt + accountKey, 'utf8')
    .digest();
  return Number(digest.readBigUInt64BE(0) % 100n);
}

/** The account's arm: the one it got at its first qualification, else the hash draw (Exp001_Salt, Exp001_Treatment_Pct). */
export function armFor(
  accountKey: string,
  earlier: EarlierSignal[],
  draw: { salt: string; treatmentPct: number }
): { arm: Arm; reason: string } {
  const kept = earlier.find((s) => s.arm !== null);
  if (kept) return { arm: kept.arm!, reason: `kept from ${kept.qualifiedWeek} (never redrawn)` };
  const bucket = armBucket(draw.salt, accountKey);
  const pct = draw.treatmentPct;
  return {
    arm: bucket < pct ? 'Treatment' : 'Control',
    reason: `sha256(salt + ${accountKey}) mod 100 = ${bucket} ${bucket < pct ? '<' : '>='} ${pct}`
  };
}

/** The score band (tercile) of a score within its segment's scores, for the stratum label. */
export function stratumOf(segment: string | null, score: number, segmentScores: number[]): string {
  const sorted = [...segmentScores].sort((a, b) => a - b);
  const rank = sorted.filter((s) => s < score).length / Math.max(1, sorted.length);
  const band = rank < 1 / 3 ? 'low' : rank < 2 / 3 ? 'mid' : 'high';
  return `${segment ?? '(none)'} x ${band}`;
}

export interface PairCandidate {
  key: string;
  segment: string | null;
  score: number;
}

/**
 * Matched pairs for the target accounts: each target (in key order) takes the unused candidate of its segment with
 * the nearest score, ties by key; a target without one stays unpaired (null).
 */
export function matchPairs(targets: PairCandidate[], candidates: PairCandidate[]): Map<string, string | null> {
  const used = new Set<string>();
  const pairs = new Map<string, string | null>();
  const byKey = (a: PairCandidate, b: PairCandidate) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const targetKeys = new Set(targets.map((t) => t.key));
  for (const t of [...targets].sort(byKey)) {
    const best = candidates
      .filter((c) => c.segment === t.segment && !used.has(c.key) && !targetKeys.has(c.key))
      .sort((a, b) => Math.abs(a.score - t.score) - Math.abs(b.score - t.score) || byKey(a, b))[0];
    if (best) used.add(best.key);
    pairs.set(t.key, best?.key ?? null);
  }
  return pairs;
}
