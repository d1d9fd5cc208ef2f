/**
 * Human verdicts over the judge's (exp-006): a reviewer sets a kept case's verdict (hallucinated or not) with a
 * reason; the case's audit is recounted from human-over-judge verdicts (countsAfterReview, the rule Apex uses too),
 * its rate, Wilson bounds and gate are judged again, and so is the deal's gate. Each change is kept on the item:
 * who, when, old -> new and why (Verdict_Log__c, one line each). Every change is checked before anything is written;
 * a bad one stops the lot with every problem named.
 */
import { InputError } from '../lib/errors';
import { readCsvFile } from '../lib/csvFile';
import type { Policy } from '../policy/policy';
import {
  countsAfterReview,
  judgeHallucinationGate,
  type CaseVerdictValue,
  type HallucinationGateResult
} from '../rules/hallucinationGateRule';
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import {
  AUDIT_OBJECT,
  auditRunOf,
  currentItems,
  gateRow,
  GATE_OBJECT,
  ITEM_OBJECT,
  judgeDeal,
  loadItems,
  type DealGate
} from './dealGate';
import { fieldLength, fit } from './limits';

/** A reviewer's word, as the panel, the CLI and the CSV write it. */
export const HUMAN_VERDICT_WORDS: Record<string, CaseVerdictValue> = {
  hallucinated: 'hallucinated',
  'not hallucinated': 'pass',
  'not-hallucinated': 'pass',
  pass: 'pass'
};

export const verdictWord = (v: CaseVerdictValue | null): string =>
  v === null ? '(none)' : v === 'pass' ? 'not hallucinated' : 'hallucinated';

export interface VerdictChange {
  caseId: string;
  /** the audit's run id, when the case id is in more than one of the deal's audits */
  runId?: string | null;
  verdict: CaseVerdictValue;
  reason: string;
  /** where it came from, for messages: "--case", "verdicts.csv line 3" */
  where: string;
}

export interface ReviewOptions {
  /** who sets the verdicts (a name; in an org the user's name and id) */
  reviewer: string;
  /** ISO instant of the change */
  at: string;
  /** YYYY-MM-DD: the day the gates are judged on */
  today: string;
  dryRun: boolean;
  onProgress?: (message: string) => void;
}

export interface AppliedChange {
  itemKey: string;
  auditKey: string;
  runId: string;
  caseId: string;
  judge: CaseVerdictValue;
  from: CaseVerdictValue | null;
  to: CaseVerdictValue;
  reason: string;
  /** the item already had this verdict: nothing about it is written */
  unchanged: boolean;
}

export interface RecountedAudit {
  auditKey: string;
  runId: string;
  before: { hallucinated: number; critical: number; status: string | null };
  after: { hallucinated: number; critical: number; overrides: number; status: string };
  gate: HallucinationGateResult;
}

export interface ReviewResult {
  status: 'written' | 'dry-run';
  changes: AppliedChange[];
  audits: RecountedAudit[];
  dealGate: DealGate;
  failed: { key: string; error: string }[];
}

const text = (v: unknown): string | null => (v === null || v === undefined || String(v) === '' ? null : String(v));
const count = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

/** The reviewer's word as a verdict, or null when it is not one. */
export function parseHumanVerdict(word: string): CaseVerdictValue | null {
  return HUMAN_VERDICT_WORDS[word.trim().toLowerCase()] ?? null;
}

/** verdicts.csv: case_id,verdict,reason and optionally run_id, one change a line. */
export function readVerdictCsv(file: string, shown: string): VerdictChange[] {
  const records = readCsvFile(file, { required: ['case_id', 'verdict', 'reason'], optional: ['run_id'] }, shown);
  const problems: string[] = [];
  const out: VerdictChange[] = [];
  for (const r of records) {
    const where = `${shown} line ${r.line}`;
    const verdict = parseHumanVerdict(r.values.verdict ?? '');
    if (verdict === null) {
      problems.push(`${where}: verdict "${r.values.verdict ?? ''}" is not hallucinated or not hallucinated`);
      continue;
    }
    out.push({
      caseId: (r.values.case_id ?? '').trim(),
      runId: text((r.values.run_id ?? '').trim()),
      verdict,
      reason: (r.values.reason ?? '').trim(),
      where
    });
  }
  if (problems.length)
    throw new InputError(`${shown}: ${problems.length} line(s) refused; nothing was written`, { details: problems });
  return out;
}

/** The log line of one change: when, who, old -> new (the judge's word when no human had spoken), why. */
function logLine(c: AppliedChange, options: ReviewOptions): string {
  const from = c.from === null ? `judge ${verdictWord(c.judge)}` : verdictWord(c.from);
  return `${options.at} ${options.reviewer}: ${from} -> ${verdictWord(c.to)}: ${c.reason}`;
}

/** The item's log with a new line, the oldest lines dropped when it would not fit the field. */
function appendLog(log: string | null, line: string): string {
  const max = fieldLength(ITEM_OBJECT, 'Verdict_Log__c');
  const lines = [...(log ? log.split('\n') : []), line];
  while (lines.length > 1 && lines.join('\n').length > max) lines.shift();
  return lines.join('\n').slice(0, max);
}

export async function reviewCases(
  sink: UsageSink,
  opportunityId: string,
  changes: readonly VerdictChange[],
  options: ReviewOptions,
  policy: Policy
): Promise<ReviewResult> {
  if (!changes.length) throw new InputError('no verdict to set: name a case (--case) or a file of verdicts (--file)');
  const reviewerMax = fieldLength(ITEM_OBJECT, 'Human_Reviewed_By__c');
  if (!options.reviewer.trim()) throw new InputError('the reviewer is blank: say who sets the verdicts (--reviewer)');
  if (options.reviewer.length > reviewerMax)
    throw new InputError(`the reviewer's name is longer than the ${reviewerMax} characters it is kept in`);
  const before = await judgeDeal(sink, opportunityId, policy, options.today);
  const items = await loadItems(sink);
  const complete = before.audits.filter((a) => auditRunOf(a.Audit_Key__c, a) !== null);
  const kept = complete.flatMap((a) => currentItems(a, items).map((i) => ({ audit: a, item: i })));

  const reasonMax = fieldLength(ITEM_OBJECT, 'Human_Reason__c');
  const problems: string[] = [];
  const applied: AppliedChange[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    const reason = c.reason.trim();
    if (!c.caseId) {
      problems.push(`${c.where}: the case id is blank`);
      continue;
    }
    if (!reason) problems.push(`${c.where}: case ${c.caseId} has no reason; say why the judge was right or wrong`);
    else if (reason.length > reasonMax)
      problems.push(`${c.where}: the reason for case ${c.caseId} is ${reason.length} characters; at most ${reasonMax}`);
    const found = kept.filter(
      (k) => k.item.Case_Id__c === c.caseId && (!c.runId || text(k.audit.Run_Id__c) === c.runId)
    );
    if (found.length === 0) {
      problems.push(
        `${c.where}: case ${c.caseId}${c.runId ? ` of run ${c.runId}` : ''} is not a kept case of an audit on this deal (kept: every failing or unstable case and a sample of passing ones)`
      );
      continue;
    }
    if (found.length > 1) {
      problems.push(
        `${c.where}: case ${c.caseId} is in ${found.length} audits (runs ${found.map((f) => text(f.audit.Run_Id__c)).join(', ')}); name the run (--run, or a run_id column)`
      );
      continue;
    }
    const { audit, item } = found[0]!;
    const judge = text(item.Verdict__c) as CaseVerdictValue | null;
    if (judge === null) {
      problems.push(
        `${c.where}: case ${c.caseId} was not scored (every repeat errored): it is not counted, so no verdict`
      );
      continue;
    }
    if (seen.has(item.Item_Key__c)) {
      problems.push(`${c.where}: case ${c.caseId} is given a verdict twice`);
      continue;
    }
    seen.add(item.Item_Key__c);
    const from = text(item.Human_Verdict__c) as CaseVerdictValue | null;
    applied.push({
      itemKey: item.Item_Key__c,
      auditKey: audit.Audit_Key__c,
      runId: text(audit.Run_Id__c) ?? audit.Audit_Key__c,
      caseId: c.caseId,
      judge,
      from,
      to: c.verdict,
      reason,
      unchanged: from === c.verdict && text(item.Human_Reason__c) === reason
    });
  }
  if (problems.length)
    throw new InputError(
      `${problems.length === 1 ? 'a verdict was' : `${problems.length} verdicts were`} refused; nothing was written`,
      { details: problems }
    );

  // each touched audit recounted from its kept cases with the new verdicts
  const byKey = new Map(applied.map((a) => [a.itemKey, a]));
  const touched = [...new Set(applied.map((a) => a.auditKey))];
  const auditRows = new Map<string, SObjectRow>();
  const recounted: Omit<RecountedAudit, 'gate' | 'after'>[] = [];
  const afterCounts = new Map<string, ReturnType<typeof countsAfterReview>>();
  for (const key of touched) {
    const audit = complete.find((a) => a.Audit_Key__c === key)!;
    const judgeK = audit.Judge_Hallucinated__c ?? audit.Hallucinated__c;
    const judgeCritical = audit.Judge_Critical__c ?? audit.Critical__c;
    const cases = currentItems(audit, items).map((i) => ({
      verdict: text(i.Verdict__c) as CaseVerdictValue | null,
      humanVerdict: byKey.get(i.Item_Key__c)?.to ?? (text(i.Human_Verdict__c) as CaseVerdictValue | null),
      severity: text(i.Severity__c)
    }));
    const counts = countsAfterReview(
      { responses: count(audit.Responses__c), judgeHallucinated: count(judgeK), judgeCritical: count(judgeCritical) },
      cases
    );
    afterCounts.set(key, counts);
    recounted.push({
      auditKey: key,
      runId: text(audit.Run_Id__c) ?? key,
      before: {
        hallucinated: count(audit.Hallucinated__c),
        critical: count(audit.Critical__c),
        status: text(audit.Gate_Status__c)
      }
    });
    auditRows.set(key, {
      ...audit,
      Judge_Hallucinated__c: count(judgeK),
      Judge_Critical__c: count(judgeCritical),
      Hallucinated__c: counts.hallucinated,
      Critical__c: counts.critical,
      Human_Overrides__c: counts.overrides,
      Rate__c: counts.rate,
      Wilson_Low__c: counts.wilsonLow,
      Wilson_High__c: counts.wilsonHigh,
      Upper_Bound_95__c: counts.upperBound
    });
  }
  const dealGate = await judgeDeal(
    sink,
    opportunityId,
    policy,
    options.today,
    [...auditRows].map(([key, row]) => ({ key, row }))
  );
  const audits: RecountedAudit[] = recounted.map((r) => {
    const row = auditRows.get(r.auditKey)!;
    const gate = judgeHallucinationGate(
      { ...dealGate.input, audits: [auditRunOf(r.auditKey, row)!] },
      policy,
      options.today
    );
    row.Gate_Status__c = gate.status;
    row.Gate_Reasons__c = fit(AUDIT_OBJECT, 'Gate_Reasons__c', gate.reasons.join('\n') || null);
    const c = afterCounts.get(r.auditKey)!;
    return {
      ...r,
      after: { hallucinated: c.hallucinated, critical: c.critical, overrides: c.overrides, status: gate.status },
      gate
    };
  });
  if (options.dryRun) return { status: 'dry-run', changes: applied, audits, dealGate, failed: [] };

  const failed: ReviewResult['failed'] = [];
  const write = async (object: string, extId: string, rows: SObjectRow[]) => {
    if (!rows.length || failed.length) return;
    const results = await sink.upsert(object, extId, rows, options.onProgress);
    for (const r of results) if (!r.ok) failed.push({ key: `${object} ${r.key}`, error: r.error ?? 'failed' });
  };
  // items first: a re-run after a failed write finds them set and recounts the audits the same way
  await write(
    ITEM_OBJECT,
    'Item_Key__c',
    applied
      .filter((a) => !a.unchanged)
      .map((a) => ({
        Item_Key__c: a.itemKey,
        Human_Verdict__c: a.to,
        Human_Reason__c: a.reason,
        Human_Reviewed_By__c: options.reviewer,
        Human_Reviewed_At__c: options.at,
        Verdict_Log__c: appendLog(text(items.get(a.itemKey)?.Verdict_Log__c), logLine(a, options))
      }))
  );
  await write(
    AUDIT_OBJECT,
    'Audit_Key__c',
    [...auditRows].map(([key, row]) => ({
      Audit_Key__c: key,
      Judge_Hallucinated__c: row.Judge_Hallucinated__c!,
      Judge_Critical__c: row.Judge_Critical__c!,
      Hallucinated__c: row.Hallucinated__c!,
      Critical__c: row.Critical__c!,
      Human_Overrides__c: row.Human_Overrides__c!,
      Rate__c: row.Rate__c!,
      Wilson_Low__c: row.Wilson_Low__c!,
      Wilson_High__c: row.Wilson_High__c!,
      Upper_Bound_95__c: row.Upper_Bound_95__c!,
      Gate_Status__c: row.Gate_Status__c!,
      Gate_Reasons__c: row.Gate_Reasons__c!
    }))
  );
  await write(GATE_OBJECT, 'Gate_Key__c', [gateRow(dealGate, policy)]);
  return { status: 'written', changes: applied, audits, dealGate, failed };
}
