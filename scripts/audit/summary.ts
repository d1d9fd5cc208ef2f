/**
 * From canonical rows to one verdict per case and the audit's counts. A case's verdict is the majority of its
 * scored repeats (a tie is hallucinated); a case whose repeats disagree is unstable, kept with each repeat's
 * verdict and reason, and counted as hallucinated when policy Hallucination_Unstable_As_Fail is true. A case whose
 * every repeat errored is unscored (excluded from n). The counts always balance: cases = pass + hallucinated + error.
 */
import type { CanonicalRow, Severity } from './runFile';

export interface CaseVerdict {
  caseId: string;
  verdict: 'pass' | 'hallucinated' | 'error';
  unstable: boolean;
  severity: Severity | null;
  category: string;
  /** each repeat's verdict and reason, in file order */
  repeats: { verdict: CanonicalRow['verdict']; reason: string }[];
}

export interface CategoryCount {
  category: string;
  responses: number;
  hallucinated: number;
}

export interface AuditSummary {
  cases: number;
  pass: number;
  hallucinated: number;
  error: number;
  /** scored cases: pass + hallucinated */
  responses: number;
  critical: number;
  unstable: number;
  repeats: number;
  /** cases scored more than once, and how many of them every repeat agreed on (for a human audit: reviewer agreement) */
  multiScored: number;
  agreed: number;
  bySeverity: Record<Severity | 'unrated', number>;
  byCategory: CategoryCount[];
  verdicts: CaseVerdict[];
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, major: 1, minor: 2 };

function worst(a: Severity | null, b: Severity | null): Severity | null {
  if (a === null) return b;
  if (b === null) return a;
  return SEVERITY_ORDER[a] <= SEVERITY_ORDER[b] ? a : b;
}

export function summarize(rows: readonly CanonicalRow[], unstableAsFail: boolean): AuditSummary {
  const byCase = new Map<string, CanonicalRow[]>();
  for (const r of rows) {
    const list = byCase.get(r.caseId);
    if (list) list.push(r);
    else byCase.set(r.caseId, [r]);
  }
  const verdicts: CaseVerdict[] = [];
  for (const [caseId, reps] of byCase) {
    const scored = reps.filter((r) => r.verdict !== 'error');
    const hall = scored.filter((r) => r.verdict === 'hallucinated');
    const unstable = hall.length > 0 && hall.length < scored.length;
    let verdict: CaseVerdict['verdict'];
    if (scored.length === 0) verdict = 'error';
    else if (unstable && unstableAsFail) verdict = 'hallucinated';
    else verdict = hall.length * 2 >= scored.length ? 'hallucinated' : 'pass';
    // a hallucinated case is as severe as its worst hallucinated repeat; others keep the severity the file gives
    const severity = (verdict === 'hallucinated' ? hall : reps).reduce<Severity | null>(
      (s, r) => worst(s, r.severity),
      null
    );
    verdicts.push({
      caseId,
      verdict,
      unstable,
      severity,
      category: reps[0]!.category,
      repeats: reps.map((r) => ({ verdict: r.verdict, reason: r.reason }))
    });
  }
  const count = (v: CaseVerdict['verdict']) => verdicts.filter((c) => c.verdict === v).length;
  const categories = new Map<string, CategoryCount>();
  const bySeverity: AuditSummary['bySeverity'] = { critical: 0, major: 0, minor: 0, unrated: 0 };
  for (const c of verdicts) {
    if (c.verdict === 'error') continue;
    const cat = categories.get(c.category) ?? { category: c.category, responses: 0, hallucinated: 0 };
    cat.responses++;
    if (c.verdict === 'hallucinated') {
      cat.hallucinated++;
      bySeverity[c.severity ?? 'unrated']++;
    }
    categories.set(c.category, cat);
  }
  const pass = count('pass');
  const hallucinated = count('hallucinated');
  return {
    cases: verdicts.length,
    pass,
    hallucinated,
    error: count('error'),
    responses: pass + hallucinated,
    critical: bySeverity.critical,
    unstable: verdicts.filter((c) => c.unstable).length,
    repeats: Math.max(0, ...[...byCase.values()].map((r) => r.length)),
    multiScored: verdicts.filter((c) => c.repeats.filter((r) => r.verdict !== 'error').length > 1).length,
    agreed: verdicts.filter((c) => c.repeats.filter((r) => r.verdict !== 'error').length > 1 && !c.unstable).length,
    bySeverity,
    byCategory: [...categories.values()].sort((a, b) => a.category.localeCompare(b.category)),
    verdicts
  };
}

/**
 * The cases kept as items: every hallucinated or unstable one, and up to `passing` passing ones taken in turn from
 * each category (a stratified sample), in file order within a category.
 */
export function keptCases(summary: AuditSummary, passing: number): CaseVerdict[] {
  const failing = summary.verdicts.filter((c) => c.verdict === 'hallucinated' || c.unstable);
  const queues = new Map<string, CaseVerdict[]>();
  for (const c of summary.verdicts)
    if (c.verdict === 'pass' && !c.unstable) queues.set(c.category, [...(queues.get(c.category) ?? []), c]);
  const sample: CaseVerdict[] = [];
  const lists = [...queues.values()];
  for (let i = 0; sample.length < passing && lists.some((l) => l.length > i); i++)
    for (const l of lists) if (l[i] && sample.length < passing) sample.push(l[i]!);
  return [...failing, ...sample];
}
